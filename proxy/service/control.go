package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"time"

	"github.com/freelane/freelane/proxy/instance"
)

const (
	readyPollInterval = 100 * time.Millisecond
	exitPollInterval  = 50 * time.Millisecond
	// stopMargin is added to StopTimeout when waiting for the supervisor, which
	// itself waits up to StopTimeout for the server.
	stopMargin = 5 * time.Second
	// killWait bounds the wait for a process after SIGKILL.
	killWait = 5 * time.Second
	// logTailLines is how much of daemon.log a failed start shows.
	logTailLines = 15
)

type serviceState int

const (
	serviceAbsent serviceState = iota // no pid file
	serviceLive                       // the pid file names a live supervisor
	serviceStale                      // the pid file names a dead or foreign process, or is unreadable
)

// lookup reads daemon.pid and tells whether the supervisor it names is alive:
// the process with that pid runs this program and started when the record
// says. A pid file of any age may name a pid reused since (after a reboot,
// by the tray or another home's server), which no command may signal.
func (o Options) lookup() (pidRecord, serviceState, error) {
	rec, err := readPIDFile(o.pidPath())
	var pathErr *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return pidRecord{}, serviceAbsent, nil
	case errors.As(err, &pathErr):
		return pidRecord{}, serviceAbsent, err // cannot read it at all (permissions)
	case err != nil:
		return pidRecord{}, serviceStale, nil // garbled content
	case !isOurSupervisor(rec, o.Exe):
		return rec, serviceStale, nil
	}
	return rec, serviceLive, nil
}

// Start launches `Exe supervise` detached (own session, stdin from the null
// device) and waits until the server it runs answers /health, or the
// supervisor exits, or StartTimeout passes; in the last two cases it stops what
// it started and returns an error quoting the end of daemon.log. It refuses with
// ErrAlreadyRunning when a service, or any server answering HealthURL, runs.
// A stale pid file is removed first.
func Start(ctx context.Context, o Options) (Status, error) {
	o, err := o.withDefaults()
	if err != nil {
		return Status{}, err
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return Status{}, fmt.Errorf("creating service directory: %w", err)
	}
	rec, state, err := o.lookup()
	if err != nil {
		return Status{}, err
	}
	switch state {
	case serviceLive:
		st := o.status(ctx, rec)
		where := ""
		if st.Addr != "" {
			where = ", listening on " + st.Addr
		}
		return st, fmt.Errorf("%w as a service (supervisor pid %d%s)", ErrAlreadyRunning, rec.SupervisorPID, where)
	case serviceStale:
		if pid := o.orphanedServer(ctx, rec); pid != 0 {
			// The pid file is kept: it is how Stop finds this server.
			return Status{StalePIDFile: true, ServerPID: pid}, fmt.Errorf(
				"%w: the server (pid %d) of a service whose supervisor died still runs; `freelane stop` ends it",
				ErrAlreadyRunning, pid)
		}
		o.Logger.Info("removing stale pid file", "path", o.pidPath(), "pid", rec.SupervisorPID)
		if err := removePIDFileOf(o.pidPath(), rec.SupervisorPID); err != nil {
			return Status{}, err
		}
	}
	// A server outside the service (the tray app, `freelane serve`) holds the port.
	if h, err := o.fetchHealth(ctx); err == nil {
		return Status{}, fmt.Errorf("%w: a Freelane server (pid %d) already answers at %s", ErrAlreadyRunning, h.PID, h.ListenAddr)
	}
	// A Freelane on this home that does not answer there (the tray with its
	// proxy switched off, or listening elsewhere) still holds the instance
	// lock: every server the supervisor ran would fail until it gave up.
	lock, err := instance.Lock(o.Dir)
	if err != nil {
		return Status{}, err
	}
	if err := lock.Release(); err != nil {
		return Status{}, fmt.Errorf("releasing the instance lock: %w", err)
	}

	cmd := exec.Command(o.Exe, SuperviseCommand)
	// The service must not depend on, or keep busy, the folder start ran from:
	// Env carries what locates the home (FREELANE_HOME), and the supervisor
	// and its server work in the service directory.
	cmd.Env = append(os.Environ(), o.Env...)
	cmd.Dir = o.Dir
	out, err := supervisorOutput(o)
	if err != nil {
		return Status{}, err
	}
	if out != nil {
		cmd.Stdout, cmd.Stderr = out, out
		defer out.Close() // the supervisor holds its own copy
	}
	detach(cmd)
	if err := cmd.Start(); err != nil {
		return Status{}, fmt.Errorf("starting supervisor: %w", err)
	}
	pid := cmd.Process.Pid
	// Reap the supervisor if it exits while this process still runs (tests,
	// failed starts); the result also ends the readiness wait early.
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	o.Logger.Info("service starting", "supervisor_pid", pid)

	st, err := o.awaitReady(ctx, pid, exited)
	if err != nil {
		cleanupCtx := context.WithoutCancel(ctx)
		if processAlive(pid) {
			if stopErr := o.stopSupervisor(cleanupCtx, pidRecord{SupervisorPID: pid}); stopErr != nil {
				err = errors.Join(err, stopErr)
			}
		}
		return Status{}, fmt.Errorf("starting service: %w%s", err, o.logTail())
	}
	o.Logger.Info("service started", "supervisor_pid", st.PID, "server_pid", st.ServerPID, "addr", st.Addr)
	return st, nil
}

// awaitReady polls until the server started by supervisor pid answers /health.
// The answer must come from that server (its pid), not from another process
// that happens to hold the port.
func (o Options) awaitReady(ctx context.Context, pid int, exited <-chan error) (Status, error) {
	deadline := time.NewTimer(o.StartTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(readyPollInterval)
	defer tick.Stop()
	// A restart seen during start-up means the server crashed: the usual
	// cause of a start that fails, named in the error before the log tail.
	crashed := ""
	for {
		select {
		case err := <-exited:
			if err == nil {
				return Status{}, fmt.Errorf("the supervisor exited during start-up%s", crashed)
			}
			return Status{}, fmt.Errorf("the supervisor exited during start-up%s: %w", crashed, err)
		case <-ctx.Done():
			return Status{}, ctx.Err()
		case <-deadline.C:
			return Status{}, fmt.Errorf("the server did not answer %s within %s%s", o.HealthURL, o.StartTimeout, crashed)
		case <-tick.C:
		}
		rec, err := readPIDFile(o.pidPath())
		if err != nil || rec.SupervisorPID != pid {
			continue
		}
		if rec.Restarts > 0 {
			crashed = " (the server kept crashing)"
		}
		if rec.ServerPID == 0 {
			continue
		}
		h, err := o.fetchHealth(ctx)
		if err != nil || (h.PID != 0 && h.PID != rec.ServerPID) {
			continue
		}
		st := statusOf(rec)
		h.fill(&st)
		return st, nil
	}
}

// Stop asks the supervisor to stop (SIGTERM; on Windows a stop file), which
// stops the server gracefully. Past StopTimeout (plus a margin) it kills both.
// It returns ErrNotRunning when no service runs, removing a stale pid file;
// a server that a dead supervisor left running is stopped first.
func Stop(ctx context.Context, o Options) error {
	o, err := o.withDefaults()
	if err != nil {
		return err
	}
	rec, state, err := o.lookup()
	if err != nil {
		return err
	}
	switch state {
	case serviceAbsent:
		return ErrNotRunning
	case serviceStale:
		orphan := o.orphanedServer(ctx, rec)
		if orphan != 0 {
			if err := o.stopOrphanedServer(ctx, orphan); err != nil {
				return err
			}
		}
		if err := removePIDFileOf(o.pidPath(), rec.SupervisorPID); err != nil {
			return err
		}
		if orphan == 0 {
			return fmt.Errorf("%w (removed a stale pid file)", ErrNotRunning)
		}
		return nil
	}
	return o.stopSupervisor(ctx, rec)
}

// orphanedServer returns the pid of the server named by a stale pid file when
// that server still runs, else 0. Only proof counts, as the file may be of
// any age: on Linux a killed supervisor leaves ServerPID behind although the
// parent-death signal already ended the server, and the pid may since belong
// to any Freelane (the tray app, another home's server) that Stop must never
// signal. So the process must run this program, and our server must answer
// HealthURL with that very pid and an uptime that dates its start to the
// one the supervisor recorded.
func (o Options) orphanedServer(ctx context.Context, rec pidRecord) int {
	pid := rec.ServerPID
	if pid <= 0 || pid == rec.SupervisorPID || !isFreelaneProcess(pid, o.Exe, requireName) {
		return 0
	}
	h, err := o.fetchHealth(ctx)
	if err != nil || h.PID != pid || !o.startedAsRecorded(h, rec.ServerStartedAt, time.Now()) {
		return 0
	}
	return pid
}

// uptimeSlack allows for uptime in whole seconds and for a server that starts
// its clock a moment before the supervisor writes down its start.
const uptimeSlack = 2 * time.Second

// startedAsRecorded reports whether the server that answered h at now started
// when the supervisor recorded (recorded): no earlier than that, give or take
// uptimeSlack, and no later than StartTimeout after it, by when Start gives
// up on a server. A process that reused the pid started after the recorded
// server had ended, and an unrecorded start proves nothing.
func (o Options) startedAsRecorded(h Health, recorded, now time.Time) bool {
	if recorded.IsZero() {
		return false
	}
	started := now.Add(-time.Duration(h.UptimeSeconds * float64(time.Second)))
	return !started.Before(recorded.Add(-uptimeSlack)) && !started.After(recorded.Add(o.StartTimeout+uptimeSlack))
}

// stopOrphanedServer stops a server whose supervisor died: gracefully first,
// as the supervisor would, then with a kill past StopTimeout.
func (o Options) stopOrphanedServer(ctx context.Context, pid int) error {
	o.Logger.Warn("stopping the server its dead supervisor left running", "server_pid", pid)
	p, err := os.FindProcess(pid)
	if err != nil {
		return nil // gone since the check
	}
	defer p.Release()
	return o.endProcess(ctx, processEnd{
		pid: pid, role: "server", grace: o.StopTimeout,
		ask: func() error {
			if err := terminateServer(p); err != nil {
				return fmt.Errorf("stopping server %d: %w", pid, err)
			}
			return nil
		},
		kill: func() error { return killProcess(pid) },
	})
}

func (o Options) stopSupervisor(ctx context.Context, rec pidRecord) error {
	pid := rec.SupervisorPID
	o.Logger.Info("stopping service", "supervisor_pid", pid)
	err := o.endProcess(ctx, processEnd{
		pid: pid, role: "supervisor", grace: o.StopTimeout + stopMargin,
		ask:  func() error { return requestStop(o, pid) },
		kill: func() error { return killTree(pid) }, // the server too, through its process group
	})
	if err != nil {
		return err
	}
	// A graceful stop ended the server; a killed supervisor may have left it.
	if latest, err := readPIDFile(o.pidPath()); err == nil && latest.SupervisorPID == pid {
		rec = latest
	}
	if rec.ServerPID != 0 && isFreelaneProcess(rec.ServerPID, o.Exe, trustAlive) {
		o.Logger.Warn("killing the leftover server", "server_pid", rec.ServerPID)
		if err := killProcess(rec.ServerPID); err != nil {
			return err
		}
		if _, err := waitExit(ctx, rec.ServerPID, killWait); err != nil {
			return fmt.Errorf("waiting for the server to exit: %w", err)
		}
	}
	if err := removePIDFileOf(o.pidPath(), pid); err != nil {
		return err
	}
	o.Logger.Info("service stopped", "supervisor_pid", pid)
	return nil
}

// processEnd says how endProcess stops one process.
type processEnd struct {
	pid   int
	role  string        // "server" or "supervisor", for messages
	grace time.Duration // how long the graceful stop may take
	ask   func() error  // requests the graceful stop
	kill  func() error  // ends the process by force
}

// endProcess asks a process to stop, waits up to its grace period, then
// kills it and waits up to killWait for it to be gone. A failed request
// counts only while the process still runs: it may have exited meanwhile.
func (o Options) endProcess(ctx context.Context, e processEnd) error {
	if err := e.ask(); err != nil && processAlive(e.pid) {
		return err
	}
	gone, err := waitExit(ctx, e.pid, e.grace)
	if err != nil {
		return fmt.Errorf("waiting for %s %d to stop: %w", e.role, e.pid, err)
	}
	if gone {
		return nil
	}
	o.Logger.Warn(e.role+" did not stop in time; killing it", "pid", e.pid)
	if err := e.kill(); err != nil {
		return err
	}
	if gone, err = waitExit(ctx, e.pid, killWait); err != nil {
		return fmt.Errorf("waiting for the killed %s %d to exit: %w", e.role, e.pid, err)
	}
	if !gone {
		return fmt.Errorf("%s %d survived a kill", e.role, e.pid)
	}
	return nil
}

// Restart stops the service when it runs, then starts it.
func Restart(ctx context.Context, o Options) (Status, error) {
	if err := Stop(ctx, o); err != nil && !errors.Is(err, ErrNotRunning) {
		return Status{}, fmt.Errorf("restarting service: %w", err)
	}
	return Start(ctx, o)
}

// QueryStatus reports whether the service runs and, from the server's /health,
// its address, version, uptime and calls today. Not running is not an error:
// Status.Running is false (and StalePIDFile tells a crashed service apart).
func QueryStatus(ctx context.Context, o Options) (Status, error) {
	o, err := o.withDefaults()
	if err != nil {
		return Status{}, err
	}
	rec, state, err := o.lookup()
	switch {
	case err != nil:
		return Status{}, err
	case state == serviceAbsent:
		return Status{}, nil
	case state == serviceStale:
		return Status{StalePIDFile: true, ServerPID: o.orphanedServer(ctx, rec)}, nil
	}
	return o.status(ctx, rec), nil
}

func statusOf(rec pidRecord) Status {
	return Status{
		Running:   true,
		PID:       rec.SupervisorPID,
		ServerPID: rec.ServerPID,
		StartedAt: rec.StartedAt,
		Restarts:  rec.Restarts,
	}
}

// status completes a live service's status from /health.
func (o Options) status(ctx context.Context, rec pidRecord) Status {
	st := statusOf(rec)
	h, err := o.fetchHealth(ctx)
	if err != nil {
		st.HealthErr = err.Error()
		if !rec.ServerStartedAt.IsZero() {
			st.Uptime = time.Since(rec.ServerStartedAt)
		}
		return st
	}
	h.fill(&st)
	return st
}

// waitExit polls until pid has exited or timeout passes; gone reports which.
func waitExit(ctx context.Context, pid int, timeout time.Duration) (gone bool, err error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(exitPollInterval)
	defer tick.Stop()
	for processAlive(pid) {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-deadline.C:
			return false, nil
		case <-tick.C:
		}
	}
	return true, nil
}

// logTail returns the last lines of daemon.log, formatted to follow an error.
func (o Options) logTail() string {
	data, err := os.ReadFile(o.logPath())
	if err != nil || len(data) == 0 {
		return ""
	}
	data = bytes.TrimRight(data, "\n")
	start := len(data)
	for range logTailLines {
		i := bytes.LastIndexByte(data[:start], '\n')
		if i < 0 {
			start = 0
			break
		}
		start = i
	}
	return "\nlast lines of " + o.logPath() + ":\n" + string(bytes.TrimLeft(data[start:], "\n"))
}
