package launch

import (
	"context"
	"time"

	"github.com/freelane/freelane/proxy"
	"github.com/freelane/freelane/tray"
)

// trayController is what the tray sees of the proxy.
type trayController struct{ srv *proxy.Server }

func (c trayController) Start() error { return c.srv.Listen() }

func (c trayController) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.srv.Unlisten(ctx)
}

func (c trayController) State() tray.State {
	st := c.srv.Status()
	return tray.State{
		Running: st.Running, Addr: st.Addr,
		Calls: st.Calls, OK: st.OK, Failed: st.Failed, FreeLeft: st.FreeLeft,
		Debug: st.Debug, Problem: trayProblem(st.Problem), Detail: st.Detail,
	}
}

func (c trayController) SetDebug(on bool) error             { return c.srv.SetDebug(on) }
func (c trayController) DashboardURL() string               { return c.srv.DashboardURL() }
func (c trayController) HomeDir() string                    { return c.srv.Status().HomeDir }
func (c trayController) Changes() (<-chan struct{}, func()) { return c.srv.Subscribe() }

func trayProblem(p proxy.Problem) tray.Problem {
	switch p {
	case proxy.ProblemNoKey:
		return tray.ProblemNoKey
	case proxy.ProblemPortInUse:
		return tray.ProblemPortInUse
	case proxy.ProblemQuotaExhausted:
		return tray.ProblemQuotaExhausted
	case proxy.ProblemUpstreamUnreachable:
		return tray.ProblemUpstreamUnreachable
	case proxy.ProblemStatsNotSaved:
		return tray.ProblemStatsNotSaved
	}
	return tray.ProblemNone
}
