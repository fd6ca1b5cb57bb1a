// Package cli is the kubectl plugin for sluice: `kubectl sluice ...`, one file per
// command. Commands read and patch Rollouts through the generated clientset;
// everything they print is produced by the pure package view.
package cli
