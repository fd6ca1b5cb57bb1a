package controller

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"

	"github.com/sluice-dev/sluice/notifications/config"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Event reasons for configuration problems.
const (
	reasonConfigError       = "NotificationConfigError"
	reasonSubscriptionError = "NotificationSubscriptionError"
)

// configCache keeps each namespace's loaded configuration until its ConfigMap
// or Secret changes (by resourceVersion), so problems are reported once per
// change, not once per sync, and templates compile once.
type configCache struct {
	mu     sync.Mutex
	byNS   map[string]loadedConfig
	byUID  map[types.UID]string // the subscription problems last reported per Rollout
	report func(cm *corev1.ConfigMap, problems []config.Problem)
}

type loadedConfig struct {
	version string // ConfigMap and Secret resourceVersions
	cfg     *config.Config
}

// configsFor are the configurations that apply to a Rollout namespace: the
// controller's own, then (with self-service) the namespace's. A namespace
// without a ConfigMap contributes none.
func (c *Controller) configsFor(ctx context.Context, namespace string) []*config.Config {
	var out []*config.Config
	namespaces := []string{c.cfg.Namespace}
	if c.cfg.SelfService && namespace != c.cfg.Namespace {
		namespaces = append(namespaces, namespace)
	}
	for _, ns := range namespaces {
		if cfg := c.configIn(ctx, ns); cfg != nil {
			out = append(out, cfg)
		}
	}
	return out
}

// configIn loads (or returns the cached) configuration of one namespace; nil
// when it has no ConfigMap.
func (c *Controller) configIn(ctx context.Context, ns string) *config.Config {
	cm, err := c.cfg.ConfigMaps.Lister().ConfigMaps(ns).Get(ObjectName)
	if err != nil {
		c.configs.forget(ns)
		return nil
	}
	secret, _ := c.cfg.Secrets.Lister().Secrets(ns).Get(ObjectName)
	version := cm.ResourceVersion + "/"
	if secret != nil {
		version += secret.ResourceVersion
	}
	c.configs.mu.Lock()
	defer c.configs.mu.Unlock()
	if l, ok := c.configs.byNS[ns]; ok && l.version == version {
		return l.cfg
	}
	cfg, problems := config.Load(cm, secret)
	c.configs.byNS[ns] = loadedConfig{version: version, cfg: cfg}
	configErrors.WithLabelValues(ns).Set(float64(len(problems)))
	logger := klog.FromContext(ctx)
	for _, p := range problems {
		logger.Info("Notification configuration problem", "configmap", ns+"/"+ObjectName, "problem", p.String())
	}
	if c.configs.report != nil && len(problems) > 0 {
		c.configs.report(cm, problems)
	}
	return cfg
}

func (cc *configCache) forget(ns string) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if _, ok := cc.byNS[ns]; ok {
		delete(cc.byNS, ns)
		configErrors.DeleteLabelValues(ns)
	}
}

// reportConfigProblems leaves one Warning Event per problem on the ConfigMap,
// each naming its key.
func (c *Controller) reportConfigProblems(cm *corev1.ConfigMap, problems []config.Problem) {
	for _, p := range problems {
		c.recordWarning(cm, reasonConfigError, p.String())
	}
}

// boundRoute is a route with the configuration that defines its service.
type boundRoute struct {
	config.Route
	cfg *config.Config
}

// routesFor lists a Rollout's routes over its configurations; a route key an
// earlier configuration has wins. Subscription problems (a bad annotation, an
// unknown service or trigger) are logged and become Warning Events on the
// Rollout when they change; with several configurations a problem counts only
// if every one has it (a webhook the namespace defines is unknown to the
// controller's configuration, and that is fine).
func (c *Controller) routesFor(ctx context.Context, ro *v1alpha1.Rollout, configs []*config.Config) []boundRoute {
	var routes []boundRoute
	taken := map[string]*config.Config{}
	count := map[string]int{}
	var problems []string
	for _, cfg := range configs {
		rs, ps := cfg.Routes(ro)
		for _, r := range rs {
			if owner, ok := taken[r.Key()]; ok && owner != cfg {
				continue
			}
			taken[r.Key()] = cfg
			routes = append(routes, boundRoute{Route: r, cfg: cfg})
		}
		for _, p := range ps {
			if count[p.String()]++; count[p.String()] == len(configs) {
				problems = append(problems, p.String())
			}
		}
	}
	c.reportSubscriptionProblems(ctx, ro, problems)
	return routes
}

// reportSubscriptionProblems logs and records a Rollout's subscription
// problems when they differ from those reported last for it.
func (c *Controller) reportSubscriptionProblems(ctx context.Context, ro *v1alpha1.Rollout, problems []string) {
	sort.Strings(problems)
	joined := strings.Join(problems, "\n")
	c.configs.mu.Lock()
	same := c.configs.byUID[ro.UID] == joined
	c.configs.byUID[ro.UID] = joined
	c.configs.mu.Unlock()
	if same {
		return
	}
	for _, p := range problems {
		klog.FromContext(ctx).Info("Notification subscription problem", "problem", p)
		c.recordWarning(ro, reasonSubscriptionError, fmt.Sprintf("notification subscription left out: %s", p))
	}
}

// forgetRollout drops what was reported for a deleted Rollout.
func (cc *configCache) forgetRollout(uid types.UID) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	delete(cc.byUID, uid)
}
