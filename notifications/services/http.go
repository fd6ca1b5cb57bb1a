package services

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// defaultTimeout bounds one attempt when the configuration sets none.
const defaultTimeout = 10 * time.Second

// maxResponseBytes is as much of an answer as is read: enough for Slack's
// JSON replies and an error excerpt, never a receiver's whole page.
const maxResponseBytes = 64 << 10

// httpClient never follows redirects: a redirected POST becomes a GET in
// net/http, and a receiver that moved should be configured at its new URL
// rather than silently lose the body.
var httpClient = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// httpResult is an answer, read and closed.
type httpResult struct {
	code   int
	status string
	header http.Header
	body   []byte
}

func (r *httpResult) ok() bool { return r.code >= 200 && r.code < 300 }

// excerpt is the start of the body on one line, for error messages.
func (r *httpResult) excerpt() string {
	const limit = 200
	text := strings.Join(strings.Fields(string(r.body)), " ")
	if len(text) > limit {
		text = text[:limit]
		for !utf8.ValidString(text) {
			text = text[:len(text)-1]
		}
		text += "…"
	}
	return text
}

// call sends one request with its own timeout and reads the answer. A
// failure to get an answer is returned as a described *Error (see
// requestError); any answer, whatever its status, is a result.
func call(ctx context.Context, method, rawURL string, header http.Header, body []byte, timeout time.Duration) (*httpResult, *Error) {
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	target := method + " " + redactURL(rawURL)
	callCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(callCtx, method, rawURL, bytes.NewReader(body))
	if err != nil {
		return nil, permanent("%s: %v", target, unwrapURLError(err))
	}
	req.Header = header
	res, err := httpClient.Do(req)
	if err != nil {
		return nil, requestError(ctx, target, timeout, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxResponseBytes))
	if err != nil {
		return nil, requestError(ctx, target, timeout, err)
	}
	return &httpResult{code: res.StatusCode, status: res.Status, header: res.Header, body: data}, nil
}

// redactURL names a URL by scheme and host only. Webhook paths and queries
// often are the credential (Slack's incoming webhooks, many chat services'
// webhooks carry a token in the path), and user info is a password.
func redactURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return "(unparsable URL)"
	}
	return u.Scheme + "://" + u.Host
}

func unwrapURLError(err error) error {
	if urlErr, ok := err.(*url.Error); ok {
		return urlErr.Err
	}
	return err
}
