// Package config reads the sluice-notifications ConfigMap (with its Secret)
// and the per-Rollout subscribe annotations into a Config, and works out
// which routes (trigger → destination → templates) apply to a Rollout.
//
// Loading never stops at the first mistake: every key is read on its own,
// and each one that is wrong becomes a Problem naming that key, while the
// others still load. A template, `when` condition or Secret reference that
// is wrong is left out, so nothing is ever sent half-made.
//
// The ConfigMap's keys (docs/notifications.md, "Configuration"):
//
//	service.webhook.<name>  YAML: url, method, headers [{name, value}],
//	                        basicAuth {username, password}, hmacSecret, timeout
//	service.slack           YAML: token, apiURL, incomingWebhookURL, timeout
//	template.<name>         YAML: message, webhook {<name>: {method, path, body}},
//	                        slack {text, blocks}  (package render)
//	trigger.<built-in>      YAML list of {when, send}
//	defaultTriggers         YAML list of trigger names
//	subscriptions           YAML list of {recipients, triggers, selector}
//
// A value's `$key` (or `${key}`) is replaced by that key of the Secret
// sluice-notifications; `$$` is a literal dollar sign.
package config
