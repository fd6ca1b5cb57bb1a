// Package services sends rendered notifications: to webhooks (any HTTP
// receiver, CloudEvents-shaped JSON, optionally signed) and to Slack (the Web
// API with a bot token, or an incoming webhook as the simpler fallback).
//
// Send makes one attempt and says what happened: nil when the receiver
// acknowledged the message, an *Error otherwise, which tells the caller
// whether trying again can help and how long the receiver asked it to wait.
// Retrying, claiming and recording are the controller's job; this package
// only sends and classifies, so a sender never decides that a delivery
// happened.
//
// Error texts end up in Events and in the delivery ledger, so they never
// carry secrets: a URL is named by its scheme and host only (a Slack incoming
// webhook's path is its secret), and header values, tokens and passwords are
// never printed.
package services
