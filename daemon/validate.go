package daemon

import "github.com/ringchat/ring/daemon/chat"

// checkText is chat.CheckText as an InputError, which the local API answers
// with 400.
func checkText(text string) error {
	if err := chat.CheckText(text); err != nil {
		return &InputError{Field: "text", Problem: err.Error()}
	}
	return nil
}
