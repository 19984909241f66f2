// Package service runs Freelane as a background service, the way the original
// proxy's `daemon.py start|stop|status|restart` did.
//
// `freelane start` launches a detached supervisor (`freelane supervise`) and waits
// until the server answers /health. The supervisor runs the server in the
// foreground as its child (`freelane serve`), sends its output to a size-rotated
// daemon.log, restarts it when it crashes (at most 10 times within a minute) and
// stops it gracefully when it is itself asked to stop. daemon.pid, written by the
// supervisor, tells `stop` and `status` which processes to look at; a pid file
// whose process is gone, or now belongs to another program, is stale and removed.
package service

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/freelane/freelane/assets/locale"
	"github.com/freelane/freelane/proxy/instance"
)

// SuperviseCommand is the subcommand Start runs detached; main must call
// Supervise for it.
const SuperviseCommand = "supervise"

// File names inside Options.Dir (the original's layout).
const (
	PIDFileName = "daemon.pid"
	LogFileName = "daemon.log"
)

// The original's crash-loop limit: more restarts than this within the window and
// the supervisor gives up.
const (
	maxRestarts   = 10
	restartWindow = 60 * time.Second
)

// daemon.log rotation: about 20 MiB of history at most.
const (
	logMaxBytes = 5 << 20
	logBackups  = 3
)

const (
	defaultStartTimeout = 30 * time.Second
	defaultStopTimeout  = 10 * time.Second
	defaultRestartDelay = time.Second
)

var (
	// ErrAlreadyRunning is returned by Start when a Freelane service or server is
	// already running; it is the instance lock's error, so one errors.Is
	// check covers both.
	ErrAlreadyRunning = instance.ErrAlreadyRunning
	// ErrNotRunning is returned by Stop when no service is running.
	ErrNotRunning = errors.New("freelane service is not running")
)

// Options locate the binary, the server command and the service files. The same
// Options must reach Start, Stop, QueryStatus and Supervise.
type Options struct {
	Exe       string       // absolute path of the freelane binary (os.Executable)
	ServeArgs []string     // arguments that run the server in the foreground, e.g. {"serve"}
	Dir       string       // CACHE_DIR: daemon.pid and daemon.log live here
	HealthURL string       // e.g. http://127.0.0.1:5000/health: readiness and status; a dialable host (config.LocalAddr)
	Token     string       // FREELANE_TOKEN, sent with every health check; never logged
	Env       []string     // extra environment for the supervisor and the server, "KEY=value"
	Logger    *slog.Logger // progress messages; nil discards them

	// Zero values pick the defaults; tests shorten them.
	StartTimeout time.Duration // how long Start waits for /health (30 s)
	StopTimeout  time.Duration // how long a graceful stop may take before a kill (10 s)
	RestartDelay time.Duration // pause before restarting a crashed server (1 s)
}

func (o Options) withDefaults() (Options, error) {
	switch {
	case o.Exe == "" || !filepath.IsAbs(o.Exe):
		return o, fmt.Errorf("service options: Exe must be an absolute path, got %q", o.Exe)
	case o.Dir == "":
		return o, errors.New("service options: Dir is required")
	case len(o.ServeArgs) == 0:
		return o, errors.New("service options: ServeArgs is required")
	case o.HealthURL == "":
		return o, errors.New("service options: HealthURL is required")
	}
	if err := checkHealthURL(o.HealthURL); err != nil {
		return o, err
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = defaultStartTimeout
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = defaultStopTimeout
	}
	if o.RestartDelay <= 0 {
		o.RestartDelay = defaultRestartDelay
	}
	return o, nil
}

func (o Options) pidPath() string { return filepath.Join(o.Dir, PIDFileName) }
func (o Options) logPath() string { return filepath.Join(o.Dir, LogFileName) }

// Status describes the background service.
type Status struct {
	Running   bool      // the supervisor is alive
	PID       int       // supervisor process
	ServerPID int       // current server process (0 between restarts); when not running, a server its dead supervisor left
	StartedAt time.Time // when the supervisor started
	Restarts  int       // server restarts after crashes since StartedAt

	// From the server's /health answer; Health is empty when it did not answer.
	Health     string        // "ok" or "degraded"
	HealthErr  string        // why /health did not answer
	Version    string        // server version
	Uptime     time.Duration // server uptime
	Addr       string        // listen address, e.g. 127.0.0.1:5000
	CallsToday int           // calls counted today

	StalePIDFile bool // a pid file named a process that is gone (not running)
}

// String is the report in English.
func (s Status) String() string { return s.Report(nil) }

// Report is the human-readable report `freelane status` prints, in p's
// language.
func (s Status) Report(p *locale.Printer) string {
	if !s.Running {
		switch {
		case s.StalePIDFile && s.ServerPID != 0:
			return p.T("cmd.status.stale_server", "PID", s.ServerPID)
		case s.StalePIDFile:
			return p.T("cmd.status.stale")
		}
		return p.T("cmd.status.not_running")
	}
	lines := []string{p.T("cmd.status.running", "PID", s.PID)}
	if s.ServerPID != 0 {
		lines[0] = p.T("cmd.status.running_server", "PID", s.PID, "ServerPID", s.ServerPID)
	}
	if s.Health == "" {
		lines = append(lines, p.T("cmd.status.not_answering", "Error", s.HealthErr))
	} else {
		lines = append(lines,
			p.T("cmd.status.health", "Health", s.Health),
			p.T("cmd.status.address", "Addr", s.Addr),
			p.T("cmd.status.version", "Version", s.Version),
			p.T("cmd.status.uptime", "Uptime", s.Uptime.Round(time.Second)),
			p.T("cmd.status.calls", "Calls", s.CallsToday))
	}
	lines = append(lines, p.T("cmd.status.restarts", "Restarts", s.Restarts, "Since", s.StartedAt.Local().Format(time.DateTime)))
	return strings.Join(lines, "\n")
}
