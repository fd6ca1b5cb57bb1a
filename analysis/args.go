package analysis

import (
	"context"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// secretGetter reads a Secret; the controller passes the API client (sluice
// reads Secrets by name only, with `get`, and never caches them).
type secretGetter func(ctx context.Context, namespace, name string) (*corev1.Secret, error)

// resolveArgs returns the value of every argument of a run, and separately the
// values that came from Secrets so messages can hide them. A run that leaves an
// argument without a value cannot start: "argument X was not supplied".
func resolveArgs(ctx context.Context, run *v1alpha1.AnalysisRun, getSecret secretGetter) (values map[string]string, secrets []string, err error) {
	values = make(map[string]string, len(run.Spec.Args))
	for _, a := range run.Spec.Args {
		switch {
		case a.Value != nil:
			values[a.Name] = *a.Value
		case a.ValueFrom != nil && a.ValueFrom.SecretKeyRef != nil:
			v, err := secretValue(ctx, run.Namespace, a.Name, *a.ValueFrom.SecretKeyRef, getSecret)
			if err != nil {
				return nil, nil, err
			}
			values[a.Name] = v
			if v != "" {
				secrets = append(secrets, v)
			}
		case a.ValueFrom != nil && a.ValueFrom.FieldRef != nil:
			return nil, nil, fmt.Errorf("argument %q: fieldRef %q is resolved only in runs a Rollout creates", a.Name, a.ValueFrom.FieldRef.FieldPath)
		default:
			return nil, nil, fmt.Errorf("argument %q was not supplied", a.Name)
		}
	}
	return values, secrets, nil
}

// secretValue reads an argument's value from a Secret. A Secret or key that
// does not exist is the run's own fault and ends it. Any other failure (the API
// server restarting, a timeout, throttling, a missing RBAC grant being fixed)
// may pass, so it is returned as transient and the sync is retried with
// backoff: a controller restart re-reads the Secrets of every running run, and
// an API blip at that moment must not end them all in Error and abort their
// rollouts.
func secretValue(ctx context.Context, namespace, arg string, ref v1alpha1.SecretKeyRef, getSecret secretGetter) (string, error) {
	secret, err := getSecret(ctx, namespace, ref.Name)
	if apierrors.IsNotFound(err) {
		return "", fmt.Errorf("argument %q: Secret %q (key %q) not found", arg, ref.Name, ref.Key)
	}
	if err != nil {
		return "", transientError{fmt.Errorf("argument %q: read Secret %q (key %q): %w", arg, ref.Name, ref.Key, err)}
	}
	v, ok := secret.Data[ref.Key]
	if !ok {
		return "", fmt.Errorf("argument %q: Secret %q has no key %q", arg, ref.Name, ref.Key)
	}
	return string(v), nil
}

// transientError is a failure that says nothing about the run and may pass by
// itself; the sync that meets it is retried with the workqueue's backoff
// instead of ending the run.
type transientError struct{ err error }

func (e transientError) Error() string { return e.err.Error() }
func (e transientError) Unwrap() error { return e.err }

// isTransient reports whether err, or an error it wraps, is transient.
func isTransient(err error) bool {
	var t transientError
	return errors.As(err, &t)
}

// redactedValue replaces secret values in text shown to people.
const redactedValue = "*****"

// redact hides every secret value in s. Status, events and logs only ever get
// text that went through it.
func redact(s string, secrets []string) string {
	for _, v := range secrets {
		s = strings.ReplaceAll(s, v, redactedValue)
	}
	return s
}

// redactMap redacts every value of a map (measurement metadata such as a
// resolved query that used a secret argument).
func redactMap(m map[string]string, secrets []string) map[string]string {
	if len(secrets) == 0 || m == nil {
		return m
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = redact(v, secrets)
	}
	return out
}
