package proxy

import (
	"net/http"
	"testing"

	"github.com/freelane/freelane/proxy/routing"
	"github.com/freelane/freelane/proxy/upstream"
)

// A model rests in proportion to what its failure says: a provider's own
// 429 briefly, a 5xx longer; the account-wide limits are no model's fault.
func TestRoutingFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    upstream.Error
		want   routing.Failure
		rested bool
	}{
		{"provider_rate_limit", upstream.Error{Status: http.StatusTooManyRequests, Kind: upstream.KindModelBusy}, routing.FailureRateLimited, true},
		{"server_error", upstream.Error{Status: http.StatusBadGateway, Kind: upstream.KindModelBusy}, routing.FailureBusy, true},
		{"error_in_a_200", upstream.Error{Status: http.StatusOK, Kind: upstream.KindModelBusy}, routing.FailureBusy, true},
		{"no_endpoints", upstream.Error{Status: http.StatusNotFound, Kind: upstream.KindModelGone}, routing.FailureGone, true},
		{"timeout", upstream.Error{Status: http.StatusGatewayTimeout, Kind: upstream.KindTimeout}, routing.FailureTimeout, true},
		{"daily_cap", upstream.Error{Status: http.StatusTooManyRequests, Kind: upstream.KindDailyCap}, 0, false},
		{"minute_cap", upstream.Error{Status: http.StatusTooManyRequests, Kind: upstream.KindMinuteCap}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, rested := routingFailure(&tt.err)
			if got != tt.want || rested != tt.rested {
				t.Errorf("routingFailure = %v, %v; want %v, %v", got, rested, tt.want, tt.rested)
			}
		})
	}
}
