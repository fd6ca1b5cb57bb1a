package view

import (
	"fmt"
	"strings"
)

// RenderRollout is the `get rollout` screen: a header that summarises the rollout
// and the tree of its revisions, ReplicaSets, pods and AnalysisRuns.
func RenderRollout(s Snapshot, style Style) string {
	var b strings.Builder
	renderHeader(&b, s, style)
	b.WriteByte('\n')
	renderTree(&b, buildTree(s), style)
	return b.String()
}

// renderHeader writes the "Key: value" summary.
func renderHeader(b *strings.Builder, s Snapshot, style Style) {
	ro := s.Rollout
	var t table
	t.add(plain("Name:"), plain(ro.Name))
	t.add(plain("Namespace:"), plain(ro.Namespace))
	t.add(plain("Status:"), statusCell(s))
	t.add(plain("Strategy:"), plain(Strategy(ro)))
	if step, ok := Step(ro); ok {
		t.add(plain("  Step:"), plain(step))
	}
	if w, ok := SetWeight(ro); ok {
		t.add(plain("  SetWeight:"), plain(fmt.Sprint(w)))
	}
	if w, ok := ActualWeight(ro, s.ReplicaSets); ok {
		t.add(plain("  ActualWeight:"), plain(fmt.Sprint(w)))
	}
	for i, line := range images(ro, s.ReplicaSets) {
		key := ""
		if i == 0 {
			key = "Images:"
		}
		t.add(plain(key), plain(line.String()))
	}
	st := ro.Status
	t.add(plain("Replicas:"))
	t.add(plain("  Desired:"), plain(fmt.Sprint(desiredReplicas(ro))))
	t.add(plain("  Current:"), plain(fmt.Sprint(st.Replicas)))
	t.add(plain("  Updated:"), plain(fmt.Sprint(st.UpdatedReplicas)))
	t.add(plain("  Ready:"), plain(fmt.Sprint(st.ReadyReplicas)))
	t.add(plain("  Available:"), plain(fmt.Sprint(st.AvailableReplicas)))
	t.render(b, style)
}

// statusCell is "icon Phase - message", with the time left of a pause that ends
// by itself.
func statusCell(s Snapshot) cell {
	phase, message := EffectivePhase(s.Rollout)
	c := phaseCell(phase)
	if message != "" {
		c.text += " - " + message
	}
	if left, ok := PauseLeft(s.Rollout, s.Now); ok {
		c.text += fmt.Sprintf(" (resumes in %s)", countdown(left))
	}
	return c
}

// renderTree writes the object tree as a table whose first column is indented
// with box-drawing branches.
func renderTree(b *strings.Builder, root *node, style Style) {
	var t table
	t.add(plain("NAME"), plain("KIND"), plain("STATUS"), plain("AGE"), plain("INFO"))
	var walk func(n *node, prefix, branch string)
	walk = func(n *node, prefix, branch string) {
		t.add(plain(prefix+branch+n.name), plain(n.kind), n.status, plain(n.age), plain(n.info))
		childPrefix := prefix
		switch branch {
		case "├─ ":
			childPrefix += "│  "
		case "└─ ":
			childPrefix += "   "
		}
		for i, child := range n.children {
			next := "├─ "
			if i == len(n.children)-1 {
				next = "└─ "
			}
			walk(child, childPrefix, next)
		}
	}
	walk(root, "", "")
	t.render(b, style)
}
