// Package render turns templates into the messages sluice sends.
//
// A template (the value of a template.<name> key) is YAML:
//
//	message: "{{.Rollout.Name}} aborted: {{.Rollout.AbortReason}}"
//	webhook:
//	  audit:                 # the webhook's name (service.webhook.audit)
//	    method: POST         # optional, overrides the service's method
//	    path: /releases      # optional, appended to the service's URL
//	    body:                # a YAML object: every string in it is a template
//	      rollout: "{{.Rollout.Name}}"
//	      reason: "{{.Rollout.AbortReason}}"
//	slack:
//	  text: "..."            # optional, defaults to message
//	  blocks:                # a YAML list: every string in it is a template
//	    - type: section
//	      text: {type: mrkdwn, text: "*{{.Rollout.Name}}*"}
//
// Strings are Go text/template over notifications.Data. Because sluice
// renders a YAML object field by field and marshals the result itself, a
// quote or newline in a Rollout's message can never break the JSON. A body or
// blocks written as one string must render to valid JSON (the json function
// quotes a value for it); otherwise the render fails rather than send it.
//
// Every template is compiled (and tried against sample data, so a misspelt
// field is caught) when the configuration loads; a broken one is reported by
// Compile and can never be rendered.
//
// `when` conditions are expr-lang expressions over notifications.Data, the
// language analysis conditions use (Eval).
package render
