// Package view turns Rollouts and the objects around them into text for the
// kubectl plugin and the dashboard. Everything here is pure: it takes objects and a time and
// returns strings, so the output is tested with golden files and never touches
// the API server.
package view
