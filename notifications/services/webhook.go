package services

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sluice-dev/sluice/notifications/config"
	"github.com/sluice-dev/sluice/notifications/render"
)

// cloudEventsJSON is the media type of a CloudEvent in structured mode: the
// whole event, attributes and data, is the JSON body.
const cloudEventsJSON = "application/cloudevents+json"

// sendWebhook POSTs (or the configured method) the rendered CloudEvent to
// the webhook. Any 2xx is acknowledged; see statusError and requestError for
// what is retryable.
func sendWebhook(ctx context.Context, service string, hook config.Webhook, msg render.Message) error {
	if len(msg.Webhook) == 0 {
		return permanent("%s: nothing was rendered for a webhook", service)
	}
	method := webhookMethod(hook, msg)
	url := webhookURL(hook.URL, msg.WebhookPath)
	res, err := call(ctx, method, url, webhookHeader(hook, msg.Webhook), msg.Webhook, hook.Timeout)
	if err != nil {
		return prefixed(service, err)
	}
	if !res.ok() {
		return prefixed(service, statusError(method+" "+redactURL(url), res, time.Now()))
	}
	return nil
}

// webhookHeader is the request's header: the configured headers, the
// CloudEvents content type (unless configured otherwise), basic auth and the
// signature. The signature is set last so a configured header cannot
// replace it.
func webhookHeader(hook config.Webhook, body []byte) http.Header {
	header := http.Header{}
	header.Set("Content-Type", cloudEventsJSON)
	header.Set("User-Agent", "sluice-notifications")
	for name, value := range hook.Headers {
		header.Set(name, value)
	}
	if hook.BasicAuth != nil {
		req := http.Request{Header: header}
		req.SetBasicAuth(hook.BasicAuth.Username, hook.BasicAuth.Password)
	}
	if hook.HMACSecret != "" {
		header.Set(SignatureHeader, Sign(hook.HMACSecret, body))
	}
	return header
}

// webhookMethod is the template's method, else the service's, else POST.
func webhookMethod(hook config.Webhook, msg render.Message) string {
	for _, method := range []string{msg.WebhookMethod, hook.Method} {
		if method != "" {
			return strings.ToUpper(method)
		}
	}
	return config.DefaultMethod
}

// webhookURL appends a template's path to the service's URL ("" leaves the
// URL as it is), with exactly one slash between them.
func webhookURL(base, path string) string {
	if path == "" {
		return base
	}
	return strings.TrimRight(base, "/") + "/" + strings.TrimLeft(path, "/")
}

// prefixed names the service in an error, keeping its classification.
func prefixed(service string, err *Error) *Error {
	return &Error{Retryable: err.Retryable, RetryAfter: err.RetryAfter, Err: fmt.Errorf("%s: %w", service, err.Err)}
}
