package render

// Message is one rendered delivery, ready for a sender.
type Message struct {
	// Webhook is the body for a webhook destination: CloudEvents-1.0-shaped
	// JSON whose id is the Delivery's ID, type "dev.sluice.<trigger>", source
	// "/namespaces/<ns>/rollouts/<name>", and data the template's body for
	// that webhook, or the event's Data when no template gives one.
	Webhook []byte
	// WebhookMethod and WebhookPath are the template's overrides for this
	// webhook ("" = the service's method, and its URL as it is).
	WebhookMethod, WebhookPath string
	// SlackText is the templates' Slack text (or message), one per line.
	SlackText string
	// SlackBlocks is a JSON array of Slack blocks, nil when no template has any.
	SlackBlocks []byte
	// SlackSummary is one line describing the revision as the event leaves
	// it, for the revision's parent message that Slack updates in place.
	SlackSummary string
}

// Problem is a template that does not compile: its name and why.
type Problem struct {
	Template, Message string
}

// String is the problem as one line, naming the config key.
func (p Problem) String() string { return "template." + p.Template + ": " + p.Message }
