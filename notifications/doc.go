// Package notifications tells people about releases: webhooks and Slack on
// Rollout and AnalysisRun events, delivered once, across restarts and leader
// changes (docs/notifications.md).
//
// The parts, one job each:
//   - config/: the sluice-notifications ConfigMap and Secret, and the
//     subscribe annotations, read into a Config; every problem names its key.
//   - render/: templates (Go text/template; webhook bodies and Slack blocks
//     may be YAML objects, marshalled by sluice) rendered with an Event's Data.
//   - triggers/: the Events a Rollout's stored state shows (pure): which
//     triggers have fired, each with a deterministic key and the data after
//     the transition.
//   - ledger/: the delivery ledger kept in an annotation on the Rollout
//     (encode/decode, bounded), and the pure decisions on it: what to claim,
//     what is due for a retry, what to forget.
//   - services/: the senders (webhook, slack) and their retry policy.
//   - controller/: informers, queue and workers that tie the rest together,
//     with claim-then-send-then-mark writes conditioned on resourceVersion.
//
// Nothing here runs inside the Rollout reconcile: notifications have their
// own queue and workers, and read only what is stored.
package notifications
