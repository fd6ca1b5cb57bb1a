package config

import (
	"time"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/sluice-dev/sluice/notifications"
	"github.com/sluice-dev/sluice/notifications/render"
)

// Names of the objects sluice reads its notification settings from, in the
// controller's namespace (and, with --self-service-notifications, in each
// Rollout's namespace).
const (
	ConfigMapName = "sluice-notifications"
	SecretName    = "sluice-notifications"
)

// SubscribeAnnotationPrefix starts every per-Rollout subscription annotation:
//
//	notifications.sluice.dev/subscribe.<trigger>.slack: <channel>[;<channel>]
//	notifications.sluice.dev/subscribe.<trigger>.webhook.<name>: ""
//	notifications.sluice.dev/subscribe.slack: <channel>     (the default triggers)
//	notifications.sluice.dev/subscribe.webhook.<name>: ""   (the default triggers)
//
// Trigger names start with "on-" and hold no dot, so the first dot after
// the trigger ends it unambiguously.
const SubscribeAnnotationPrefix = "notifications.sluice.dev/subscribe."

// Service names a Destination can carry.
const (
	ServiceSlack         = "slack"
	ServiceWebhookPrefix = "webhook." // + the webhook's name
)

// Defaults for settings left out.
const (
	DefaultSlackAPIURL = "https://slack.com/api"
	DefaultTimeout     = 10 * time.Second
	DefaultMethod      = "POST"
)

// Config is the notification configuration of one ConfigMap (and its Secret),
// with every broken part left out (Load reports each as a Problem).
type Config struct {
	// Webhooks by name (service.webhook.<name>).
	Webhooks map[string]Webhook
	// Slack is nil when service.slack is not configured.
	Slack *Slack
	// Templates holds the raw template of every name: the built-in one per
	// trigger, overridden by template.<name> keys of the same name.
	Templates map[string]string
	// Set is Templates compiled; a template that failed to compile is not in it.
	Set *render.Set
	// Triggers holds trigger.<name> conditions. A trigger present with no
	// conditions had only broken ones and sends nothing; a trigger absent
	// sends its built-in template "<trigger>".
	Triggers map[string][]Condition
	// DefaultTriggers are the triggers of a subscription that names none.
	DefaultTriggers []string
	// Subscriptions from the ConfigMap's subscriptions key.
	Subscriptions []Subscription
}

// Webhook is one service.webhook.<name>, Secret references resolved.
type Webhook struct {
	URL, Method string
	Headers     map[string]string
	BasicAuth   *BasicAuth
	// HMACSecret, when set, signs each body with HMAC-SHA256 (services).
	HMACSecret string
	Timeout    time.Duration
}

// BasicAuth is a webhook's basic-auth credentials.
type BasicAuth struct {
	Username, Password string
}

// Slack is service.slack, Secret references resolved. Token selects the Web
// API (chat.postMessage / chat.update at APIURL); without a token,
// IncomingWebhookURL is the simpler fallback.
type Slack struct {
	Token, APIURL, IncomingWebhookURL string
	Timeout                           time.Duration
}

// Condition is one entry of trigger.<name>: when When holds (an expr-lang
// expression over notifications.Data; "" always holds), send the Send templates.
type Condition struct {
	When string
	Send []string
}

// Subscription sends Triggers (empty: the config's DefaultTriggers) to
// Destinations for every Rollout its Selector matches (nil: every Rollout).
type Subscription struct {
	Triggers     []string
	Destinations []notifications.Destination
	Selector     labels.Selector
}

// Problem is one thing wrong in the configuration, naming the key it is in
// ("template.rollout-aborted", "subscriptions[2]", or an annotation's key).
type Problem struct {
	Key, Message string
}

// String is the problem as one line: "<key>: <message>".
func (p Problem) String() string { return p.Key + ": " + p.Message }

// Error lets a Problem be returned or wrapped as an error.
func (p Problem) Error() string { return p.String() }

// Route is one trigger of one Rollout going to one destination with the
// templates to render, when When holds.
type Route struct {
	Trigger     string
	Destination notifications.Destination
	Templates   []string
	When        string
}

// Key names the route's trigger and destination (not its templates), e.g.
// "on-rollout-updated/slack/deploys": the ledger remembers which it has seen,
// so a new subscription records the present instead of sending it.
func (r Route) Key() string {
	return r.Trigger + "/" + r.Destination.Service + "/" + r.Destination.Recipient
}
