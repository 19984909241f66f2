package fakeopenrouter

import (
	"net/http"
	"time"
)

// Free-tier limits (§5): 50 a day below 10 credits purchased, 1000 above,
// 20 a minute either way.
const (
	lowTierDailyLimit  = 50
	highTierDailyLimit = 1000
	perMinuteLimit     = 20
)

// dailyQuota is the account-wide counter of :free calls for one UTC day.
// Guarded by Server.mu.
type dailyQuota struct {
	day      string // YYYY-MM-DD in UTC; a new day resets used
	used     int
	limit    int
	enforced bool
}

func (q *dailyQuota) rollover(now time.Time) {
	if day := now.UTC().Format(time.DateOnly); day != q.day {
		q.day, q.used = day, 0
	}
}

// takeFree counts one :free call. It reports false, without counting, when
// the enforced daily limit is already spent.
func (s *Server) takeFree() (ok bool, limit int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quota.rollover(s.now())
	if s.quota.enforced && s.quota.used >= s.quota.limit {
		return false, s.quota.limit
	}
	s.quota.used++
	return true, s.quota.limit
}

func (s *Server) dailyLimit() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.quota.limit
}

// SetFreeQuota sets today's counter as GET /key reports it in
// free_model_daily_requests. With WithDailyLimit the new values are also
// what is enforced.
func (s *Server) SetFreeQuota(used, limit int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quota.rollover(s.now())
	s.quota.used, s.quota.limit = used, limit
}

// FreeUsed is today's count of :free calls.
func (s *Server) FreeUsed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quota.rollover(s.now())
	return s.quota.used
}

// nextUTCMidnight is when the daily counter resets.
func nextUTCMidnight(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

type keyInfo struct {
	Data keyData `json:"data"`
}

type keyData struct {
	Label                  string            `json:"label"`
	Limit                  *float64          `json:"limit"`
	LimitRemaining         *float64          `json:"limit_remaining"`
	LimitReset             *string           `json:"limit_reset"`
	IncludeBYOKInLimit     bool              `json:"include_byok_in_limit"`
	Usage                  float64           `json:"usage"`
	UsageDaily             float64           `json:"usage_daily"`
	UsageWeekly            float64           `json:"usage_weekly"`
	UsageMonthly           float64           `json:"usage_monthly"`
	BYOKUsage              float64           `json:"byok_usage"`
	BYOKUsageDaily         float64           `json:"byok_usage_daily"`
	BYOKUsageWeekly        float64           `json:"byok_usage_weekly"`
	BYOKUsageMonthly       float64           `json:"byok_usage_monthly"`
	IsFreeTier             bool              `json:"is_free_tier"`
	IsManagementKey        bool              `json:"is_management_key"`
	IsProvisioningKey      bool              `json:"is_provisioning_key"`
	CreatorUserID          string            `json:"creator_user_id"`
	ExpiresAt              *string           `json:"expires_at"`
	RateLimit              keyRateLimit      `json:"rate_limit"`
	FreeModelDailyRequests freeDailyRequests `json:"free_model_daily_requests"`
}

type keyRateLimit struct {
	Requests int    `json:"requests"`
	Interval string `json:"interval"`
	Note     string `json:"note"`
}

type freeDailyRequests struct {
	Limit     int `json:"limit"`
	Remaining int `json:"remaining"`
	Used      int `json:"used"`
}

// fakeUserID is the account the fake pretends the key belongs to.
const fakeUserID = "user_2fakeFreelaneAccount000000"

// handleKey serves GET /api/v1/key. The call itself uses no quota.
func (s *Server) handleKey(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.quota.rollover(s.now())
	used, limit := s.quota.used, s.quota.limit
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, keyInfo{Data: keyData{
		Label:         keyLabel(s.apiKey),
		IsFreeTier:    limit < highTierDailyLimit,
		CreatorUserID: fakeUserID,
		RateLimit:     keyRateLimit{Requests: -1, Interval: "10s", Note: "This field is deprecated and safe to ignore."},
		FreeModelDailyRequests: freeDailyRequests{
			Limit: limit, Remaining: max(limit-used, 0), Used: used,
		},
	}})
}

// keyLabel masks the key the way OpenRouter labels it ("sk-or-v1-au7...890"),
// so the full key never appears in a body. Short keys (like test keys) are
// masked entirely, since 14 characters would give most of them away.
func keyLabel(key string) string {
	const prefix, suffix, minLen = 11, 3, 40
	if len(key) < minLen {
		return "sk-or-v1-..."
	}
	return key[:prefix] + "..." + key[len(key)-suffix:]
}
