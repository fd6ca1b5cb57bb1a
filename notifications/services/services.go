package services

import (
	"context"
	"strings"

	"github.com/sluice-dev/sluice/notifications"
	"github.com/sluice-dev/sluice/notifications/config"
	"github.com/sluice-dev/sluice/notifications/render"
)

// Request is one attempt to deliver one rendered message to one destination.
type Request struct {
	Delivery notifications.Delivery
	Message  render.Message
	// Config holds the services (webhooks, Slack) the destination names.
	Config *config.Config
	// ThreadTS is, for Slack, the parent message of this delivery's revision
	// in this channel, as an earlier Response gave it ("" = none posted
	// yet). Store it and hand it back as it is: it is opaque (it also names
	// the channel ID, which chat.update needs).
	ThreadTS string
}

// Response says what a successful send left behind.
type Response struct {
	// ThreadTS is, for Slack through the Web API, the revision's parent
	// message after this send: the one the request named, or a new one when
	// there was none (or it was deleted). "" for every other service.
	ThreadTS string
}

// Send delivers the request's message to its destination, once. It returns
// nil when the receiver acknowledged it and an *Error when not (see Error
// and IsRetryable). Send never retries itself; the caller schedules the next
// attempt (RetryDelay) so that every attempt is claimed and recorded.
func Send(ctx context.Context, req Request) (Response, error) {
	if req.Config == nil {
		return Response{}, permanent("%s: no notification configuration", req.Delivery.Service)
	}
	service := req.Delivery.Service
	switch {
	case service == config.ServiceSlack:
		return sendSlack(ctx, req)
	case strings.HasPrefix(service, config.ServiceWebhookPrefix):
		name := strings.TrimPrefix(service, config.ServiceWebhookPrefix)
		hook, ok := req.Config.Webhooks[name]
		if !ok {
			return Response{}, permanent("%s: no service.webhook.%s in the configuration", service, name)
		}
		return Response{}, sendWebhook(ctx, service, hook, req.Message)
	default:
		return Response{}, permanent("%s: unknown service (want %q or %q<name>)", service, config.ServiceSlack, config.ServiceWebhookPrefix)
	}
}
