package controller

import (
	"context"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
)

var everything = labels.Everything()

// sync works out and delivers what is due for one Rollout, and returns when
// to look again (the earliest retry or claim expiry; 0 for no timed wait).
func (c *Controller) sync(ctx context.Context, key cache.ObjectName) (time.Duration, error) {
	ro, err := c.rolloutLister.Rollouts(key.Namespace).Get(key.Name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	_ = ro
	return 0, nil
}
