package controller

import (
	"context"
	"fmt"

	"k8s.io/utils/clock"

	notifycontroller "github.com/sluice-dev/sluice/notifications/controller"
	sluiceclient "github.com/sluice-dev/sluice/pkg/client/clientset/versioned"
)

// addNotifications builds the notifications controller. It runs with the
// others, so only while this process leads; its claims go through the fenced
// clients, and it asks the fence before every send.
func (m *manager) addNotifications() error {
	holder, err := leaderIdentity()
	if err != nil {
		return err
	}
	cfg := notifycontroller.Config{
		Kube:         m.clients.kube,
		Sluice:       m.clients.notificationsClient(),
		Rollouts:     m.informers.sluice.Sluice().V1alpha1().Rollouts(),
		AnalysisRuns: m.informers.sluice.Sluice().V1alpha1().AnalysisRuns(),
		ReplicaSets:  m.informers.ownedKube.Apps().V1().ReplicaSets(),
		ConfigMaps:   m.informers.notifications.Core().V1().ConfigMaps(),
		Secrets:      m.informers.notifications.Core().V1().Secrets(),
		Namespace:    m.opts.notificationsNamespace(),
		SelfService:  m.opts.SelfServiceNotifications,
		Holder:       holder,
		GiveUp:       m.opts.NotificationsGiveUp,
		Recorder:     m.recorder,
		Clock:        clock.RealClock{},
	}
	if m.clients.fence != nil {
		cfg.MaySend = m.clients.fence.open
	}
	nc, err := notifycontroller.NewController(cfg)
	if err != nil {
		return fmt.Errorf("build notifications controller: %w", err)
	}
	if err := registerReplacing(collectorsOf(nc.Collectors())); err != nil {
		return fmt.Errorf("register notifications metrics: %w", err)
	}
	m.controllers = append(m.controllers, runnable{
		name: "notifications",
		run:  func(ctx context.Context) error { return nc.Run(ctx, m.opts.NotificationsWorkers) },
	})
	return nil
}

// notificationsClient is the client the notifications controller writes its
// ledger with: its own when built (newClients), else the shared one (tests).
func (c *clients) notificationsClient() sluiceclient.Interface {
	if c.notifications != nil {
		return c.notifications
	}
	return c.sluice
}
