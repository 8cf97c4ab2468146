package ipc

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// errLineTooLong refuses a say stream line longer than the body limit.
var errLineTooLong = errors.New("line too long")

// lineReader reads the lines of a say stream as bufio.ScanLines splits
// them (the last line counts without a newline, a trailing \r is dropped),
// each at most max bytes long, and tells whether another whole line is
// already buffered: the lines that arrived together go to the node
// together.
type lineReader struct {
	br   *bufio.Reader
	max  int
	long []byte // a line longer than the reader's buffer, gathered
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10), max: max}
}

// next returns the next line, valid until the following call; io.EOF at
// the end of the stream.
func (l *lineReader) next() ([]byte, error) {
	l.long = l.long[:0]
	for {
		b, err := l.br.ReadSlice('\n')
		line := b
		if len(l.long) > 0 || err == bufio.ErrBufferFull {
			l.long = append(l.long, b...)
			line = l.long
		}
		if len(bytes.TrimSuffix(line, []byte{'\n'})) > l.max {
			return nil, errLineTooLong
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(line) == 0:
			return nil, io.EOF
		case err != nil && err != io.EOF:
			return nil, err
		}
		line = bytes.TrimSuffix(line, []byte{'\n'})
		return bytes.TrimSuffix(line, []byte{'\r'}), nil
	}
}

// ready says whether a whole line is buffered, so that next returns at once.
func (l *lineReader) ready() bool {
	b, _ := l.br.Peek(l.br.Buffered())
	return bytes.IndexByte(b, '\n') >= 0
}
