package render

import (
	"strconv"
	"time"

	"github.com/sluice-dev/sluice/notifications"
)

// cloudEvent is the envelope of every webhook body, shaped after CloudEvents
// 1.0 (structured JSON mode), so receivers can route and deduplicate on
// standard attributes: id is the delivery's ID, the same on a resend.
type cloudEvent struct {
	SpecVersion     string `json:"specversion"`
	ID              string `json:"id"`
	Type            string `json:"type"`
	Source          string `json:"source"`
	Subject         string `json:"subject,omitempty"`
	Time            string `json:"time,omitempty"`
	DataContentType string `json:"datacontenttype"`
	Data            any    `json:"data"`
}

// EventTypePrefix starts every CloudEvents type: "dev.sluice.on-rollout-updated".
const EventTypePrefix = "dev.sluice."

func newCloudEvent(d notifications.Delivery, data any) cloudEvent {
	event := cloudEvent{
		SpecVersion:     "1.0",
		ID:              d.ID(),
		Type:            EventTypePrefix + d.Trigger,
		Source:          "/namespaces/" + d.Data.Rollout.Namespace + "/rollouts/" + d.Data.Rollout.Name,
		DataContentType: "application/json",
		Data:            data,
	}
	if d.Revision > 0 {
		event.Subject = "revisions/" + strconv.FormatInt(d.Revision, 10)
	}
	if !d.Data.Time.IsZero() {
		event.Time = d.Data.Time.UTC().Format(time.RFC3339)
	}
	return event
}
