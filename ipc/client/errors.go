package client

import (
	"net/http"

	"github.com/ringchat/ring/ipc/api"
)

// APIError is a refusal or failure reported by the daemon: its HTTP status
// (200 for an error line of a stream), its code and its text. errors.Is
// matches it against the sentinel of its code:
//
//	if errors.Is(err, client.ErrNoQuorum) { ... }
type APIError struct {
	StatusCode int
	Code       api.Code
	Message    string
}

func (e *APIError) Error() string { return e.Message }

// Is reports whether target is the sentinel of e's code.
func (e *APIError) Is(target error) bool {
	c, ok := target.(codeError)
	return ok && api.Code(c) == e.Code
}

// newAPIError makes the error of a refusal with status. An answer without
// a code (not from ringd, or from an older one) gets the code of its status.
func newAPIError(status int, e api.Error) *APIError {
	code := e.Code
	if code == "" && status != http.StatusOK {
		code = api.StatusCode(status)
	}
	return &APIError{StatusCode: status, Code: code, Message: e.Error}
}

// codeError is the sentinel of one code; an *APIError with that code Is it.
type codeError api.Code

func (c codeError) Error() string { return "ringd refused: " + string(c) }

// The sentinels of the codes of the local API (docs/API.md).
var (
	ErrBadRequest       error = codeError(api.CodeBadRequest)
	ErrNotFound         error = codeError(api.CodeNotFound)
	ErrMethodNotAllowed error = codeError(api.CodeMethodNotAllowed)
	ErrForbidden        error = codeError(api.CodeForbidden)
	ErrTooLarge         error = codeError(api.CodeTooLarge)
	ErrTimeout          error = codeError(api.CodeTimeout)
	ErrUnsupported      error = codeError(api.CodeUnsupported)
	ErrInvalidInput     error = codeError(api.CodeInvalidInput)
	ErrDetached         error = codeError(api.CodeDetached)
	ErrRefused          error = codeError(api.CodeRefused)
	ErrNoQuorum         error = codeError(api.CodeNoQuorum)
	ErrStopped          error = codeError(api.CodeStopped)
	ErrWatcherTooSlow   error = codeError(api.CodeWatcherTooSlow)
	ErrCanceled         error = codeError(api.CodeCanceled)
	ErrFailed           error = codeError(api.CodeFailed)
	ErrInternal         error = codeError(api.CodeInternal)
)
