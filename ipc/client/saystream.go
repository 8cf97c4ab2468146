package client

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/ringchat/ring/daemon/chat"
	"github.com/ringchat/ring/ipc/api"
)

// SayStream sends every text received from texts over one stream, without
// waiting for each acknowledgement, and calls fn with each receipt in the
// order the texts were sent. It returns when texts is closed and every text
// is acknowledged, or at the first refusal (an *APIError naming the line).
// A text the node could not commit for want of a quorum stays queued there
// and does not end the stream; those lines come back together, one per
// line of the *APIError (ErrNoQuorum), once the others are answered.
func (c *Client) SayStream(ctx context.Context, to string, texts <-chan string, fn func(chat.Receipt) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pr, pw := io.Pipe()
	sent := make(chan int, 1)
	go func() {
		enc := json.NewEncoder(pw)
		n := 0
		defer func() { sent <- n }()
		for {
			select {
			case text, ok := <-texts:
				if !ok {
					pw.Close()
					return
				}
				if err := enc.Encode(api.SayRequest{Text: text, To: to}); err != nil {
					return
				}
				n++
			case <-ctx.Done():
				pw.CloseWithError(ctx.Err())
				return
			}
		}
	}()
	resp, err := c.sendBody(ctx, http.MethodPost, api.PathSayStream, pr, api.ContentTypeStream)
	if err != nil {
		pr.CloseWithError(err)
		return err
	}
	defer resp.Body.Close()
	defer pr.Close()

	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 4096), maxStreamLine)
	if !sc.Scan() { // the opening line
		return fmt.Errorf("say stream: ringd closed the stream before it opened: %v", sc.Err())
	}
	got := 0
	var queued []string // lines refused for want of a quorum, their messages queued
	for sc.Scan() {
		var line api.SayLine
		if err := decodeLine(sc.Bytes(), &line); err != nil {
			return fmt.Errorf("say stream: bad line from ringd: %w", err)
		}
		if line.Error.Error != "" && line.Queued {
			got++
			queued = append(queued, line.Error.Error)
			continue
		}
		if line.Error.Error != "" {
			return newAPIError(http.StatusOK, line.Error)
		}
		got++
		if err := fn(line.Receipt); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("say stream: %w", err)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if n := <-sent; got != n {
		return fmt.Errorf("say stream: %d messages sent but %d acknowledged", n, got)
	}
	if len(queued) > 0 {
		return &APIError{StatusCode: http.StatusOK, Code: api.CodeNoQuorum, Message: strings.Join(queued, "\n")}
	}
	return nil
}
