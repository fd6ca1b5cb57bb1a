package plan

import (
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func (p *planner) stepIndex() int32 {
	if p.status.CurrentStepIndex == nil {
		return 0
	}
	return *p.status.CurrentStepIndex
}

func (p *planner) setStepIndex(i int32) { p.status.CurrentStepIndex = &i }

func (p *planner) pauseCondition(reason v1alpha1.PauseReason) *v1alpha1.PauseCondition {
	for i := range p.status.PauseConditions {
		if p.status.PauseConditions[i].Reason == reason {
			return &p.status.PauseConditions[i]
		}
	}
	return nil
}

func (p *planner) removePauseCondition(reason v1alpha1.PauseReason) {
	kept := p.status.PauseConditions[:0]
	for _, c := range p.status.PauseConditions {
		if c.Reason != reason {
			kept = append(kept, c)
		}
	}
	if len(kept) == 0 {
		kept = nil
	}
	p.status.PauseConditions = kept
}

func (p *planner) event(warning bool, reason, message string) {
	p.plan.Events = append(p.plan.Events, Event{Warning: warning, Reason: reason, Message: message})
}

// finish lists the ReplicaSets whose replica count must change and the status.
func (p *planner) finish() Plan {
	for _, rs := range p.in.all() {
		if want := p.replicas[rs.Name]; want != rs.Replicas {
			p.plan.Replicas[rs.Name] = want
		}
	}
	p.plan.Status = *p.status
	return p.plan
}
