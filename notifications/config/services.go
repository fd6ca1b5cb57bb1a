package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// webhookSpec is service.webhook.<name> as written.
type webhookSpec struct {
	URL     string `json:"url"`
	Method  string `json:"method"`
	Headers []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"headers"`
	BasicAuth *struct {
		Username string `json:"username"`
		Password string `json:"password"`
	} `json:"basicAuth"`
	HMACSecret string `json:"hmacSecret"`
	Timeout    string `json:"timeout"`
}

// slackSpec is service.slack as written.
type slackSpec struct {
	Token              string `json:"token"`
	APIURL             string `json:"apiURL"`
	IncomingWebhookURL string `json:"incomingWebhookURL"`
	Timeout            string `json:"timeout"`
}

// parseWebhook reads one webhook service; secrets resolves $key values.
func parseWebhook(value string, secrets *secretValues) (Webhook, error) {
	var spec webhookSpec
	if err := decodeStrict(value, &spec); err != nil {
		return Webhook{}, err
	}
	w := Webhook{
		URL:        secrets.expand(spec.URL),
		Method:     strings.ToUpper(strings.TrimSpace(spec.Method)),
		HMACSecret: secrets.expand(spec.HMACSecret),
	}
	if w.Method == "" {
		w.Method = DefaultMethod
	}
	for _, h := range spec.Headers {
		if strings.TrimSpace(h.Name) == "" {
			return Webhook{}, fmt.Errorf("has a header with no name")
		}
		if w.Headers == nil {
			w.Headers = map[string]string{}
		}
		w.Headers[h.Name] = secrets.expand(h.Value)
	}
	if spec.BasicAuth != nil {
		w.BasicAuth = &BasicAuth{Username: secrets.expand(spec.BasicAuth.Username), Password: secrets.expand(spec.BasicAuth.Password)}
	}
	if err := secrets.err(); err != nil {
		return Webhook{}, err
	}
	if err := checkURL("url", w.URL, true); err != nil {
		return Webhook{}, err
	}
	var err error
	if w.Timeout, err = parseTimeout(spec.Timeout); err != nil {
		return Webhook{}, err
	}
	return w, nil
}

// parseSlack reads service.slack.
func parseSlack(value string, secrets *secretValues) (Slack, error) {
	var spec slackSpec
	if err := decodeStrict(value, &spec); err != nil {
		return Slack{}, err
	}
	s := Slack{
		Token:              secrets.expand(spec.Token),
		APIURL:             strings.TrimRight(secrets.expand(spec.APIURL), "/"),
		IncomingWebhookURL: secrets.expand(spec.IncomingWebhookURL),
	}
	if err := secrets.err(); err != nil {
		return Slack{}, err
	}
	if s.Token == "" && s.IncomingWebhookURL == "" {
		return Slack{}, fmt.Errorf("needs a token (the Web API) or an incomingWebhookURL")
	}
	if s.APIURL == "" {
		s.APIURL = DefaultSlackAPIURL
	}
	if err := checkURL("apiURL", s.APIURL, true); err != nil {
		return Slack{}, err
	}
	if err := checkURL("incomingWebhookURL", s.IncomingWebhookURL, false); err != nil {
		return Slack{}, err
	}
	var err error
	if s.Timeout, err = parseTimeout(spec.Timeout); err != nil {
		return Slack{}, err
	}
	return s, nil
}

// checkURL wants an absolute http or https URL. The message never repeats
// the URL: it may hold a secret.
func checkURL(field, value string, required bool) error {
	if value == "" {
		if required {
			return fmt.Errorf("needs a %s", field)
		}
		return nil
	}
	u, err := url.Parse(value)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s is not an absolute http(s) URL", field)
	}
	return nil
}

func parseTimeout(value string) (time.Duration, error) {
	if value == "" {
		return DefaultTimeout, nil
	}
	d, err := time.ParseDuration(value)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("timeout %q is not a positive duration such as 10s", value)
	}
	return d, nil
}
