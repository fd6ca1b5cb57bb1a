package controller

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"
)

// defaultLeaderElectionNamespace is where the install manifests run sluice.
const defaultLeaderElectionNamespace = "sluice-system"

// serviceAccountNamespaceFile names the namespace a pod runs in.
const serviceAccountNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// errLeaseLost ends the controllers' context when leadership is lost.
var errLeaseLost = errors.New("leader lease lost")

// runAsLeader stands by until this replica holds the Lease, then runs the
// controllers until ctx is cancelled (clean shutdown: nil) or the lease is lost
// (an error, so the process exits and comes back as a standby with fresh state).
//
// The elector runs on its own context, cancelled only after the controllers have
// drained: with ReleaseOnCancel the lease is handed back at that point, and a
// successor must not start while this replica still has syncs in flight.
func (m *manager) runAsLeader(ctx context.Context) error {
	logger := klog.FromContext(ctx)
	leading := make(chan context.Context, 1)
	elector, lease, err := m.newElector(ctx, leading)
	if err != nil {
		return err
	}

	electorCtx, stopElector := context.WithCancel(context.WithoutCancel(ctx))
	defer stopElector()
	electorDone := make(chan struct{})
	go func() {
		defer close(electorDone)
		elector.Run(electorCtx)
	}()
	logger.Info("Waiting to acquire the leader lease", "lease", lease)

	var leaderCtx context.Context
	select {
	case <-ctx.Done():
		stopElector()
		<-electorDone
		return nil
	case <-electorDone:
		return fmt.Errorf("leader election for %s ended unexpectedly", lease)
	case leaderCtx = <-leading:
	}
	logger.Info("Acquired the leader lease, starting controllers", "lease", lease)

	// The controllers stop when the elector gives the lease up, or earlier,
	// when the fence finds the last renewal older than the renew deadline.
	runCtx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(leaderCtx, func() { cancel(errLeaseLost) })
	go m.clients.fence.watch(runCtx, func() {
		logger.Info("Leader lease not renewed within the renew deadline, stopping controllers", "lease", lease)
		cancel(errLeaseLost)
	})
	err = m.runControllers(runCtx)
	stop()
	lost := ctx.Err() == nil && errors.Is(context.Cause(runCtx), errLeaseLost)
	cancel(nil)

	stopElector()
	<-electorDone
	if lost {
		return errors.Join(fmt.Errorf("lost the leader lease %s", lease), err)
	}
	return err
}

// newElector builds a Lease-based elector. When this replica starts leading,
// the elector's leadership context is sent on leading.
func (m *manager) newElector(ctx context.Context, leading chan<- context.Context) (*leaderelection.LeaderElector, string, error) {
	logger := klog.FromContext(ctx)
	ns := leaderElectionNamespace(m.opts.LeaderElectionNamespace)
	name := m.opts.LeaseName()
	identity, err := leaderIdentity()
	if err != nil {
		return nil, "", err
	}
	lease := ns + "/" + name
	elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock: fencedLock{fence: m.clients.fence, Interface: &resourcelock.LeaseLock{
			LeaseMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Client:    m.clients.leaderElection.CoordinationV1(),
			LockConfig: resourcelock.ResourceLockConfig{
				Identity:      identity,
				EventRecorder: m.recorder,
			},
		}},
		Name:            name,
		LeaseDuration:   m.opts.LeaseDuration,
		RenewDeadline:   m.opts.RenewDeadline,
		RetryPeriod:     m.opts.RetryPeriod,
		ReleaseOnCancel: true,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(leaderCtx context.Context) {
				m.health.setLeading(true)
				leading <- leaderCtx // buffered; called at most once per Run
			},
			OnStoppedLeading: func() {
				m.clients.fence.close()
				m.health.setLeading(false)
			},
			OnNewLeader: func(current string) {
				m.health.setLeader(current)
				if current != identity {
					logger.Info("Another replica holds the leader lease", "lease", lease, "leader", current)
				}
			},
		},
	})
	if err != nil {
		return nil, "", fmt.Errorf("leader election: %w", err)
	}
	return elector, lease, nil
}

// leaderElectionNamespace picks the Lease's namespace: the flag; else the
// namespace this pod runs in (POD_NAMESPACE from the downward API, then the
// service account's namespace); else sluice-system.
func leaderElectionNamespace(flag string) string {
	if flag != "" {
		return flag
	}
	if ns := os.Getenv("POD_NAMESPACE"); ns != "" {
		return ns
	}
	if b, err := os.ReadFile(serviceAccountNamespaceFile); err == nil {
		if ns := strings.TrimSpace(string(b)); ns != "" {
			return ns
		}
	}
	return defaultLeaderElectionNamespace
}

// leaderIdentity names this replica in the Lease: the host (the pod name in a
// cluster) plus a random suffix, so a restarted pod with the same name is a new
// holder and never mistakes the old holder's lease for its own.
func leaderIdentity() (string, error) {
	host, err := os.Hostname()
	if err != nil {
		return "", fmt.Errorf("leader election identity: %w", err)
	}
	return host + "_" + string(uuid.NewUUID()), nil
}
