package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/freelane/freelane/proxy/logfile"
)

// Supervise runs the server (Exe with ServeArgs) until ctx is done or the
// supervisor is asked to stop (SIGTERM; the stop file on Windows). It is the
// body of `freelane supervise`, which Start launches detached.
//
// It records itself in daemon.pid, sends the server's output and its own log
// to daemon.log (rotated at 5 MiB, 3 old files kept) and restarts the server
// when it crashes (a non-zero exit or a signal). More than 10 restarts within
// 60 s and it gives up with an error. A server that exits with status 0 ends
// the supervisor too. On stop it sends the server SIGTERM, kills it after
// StopTimeout, and removes daemon.pid. Options.Logger is not used here:
// a detached supervisor has no console, so daemon.log is its only log.
func Supervise(ctx context.Context, o Options) error {
	o, err := o.withDefaults()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return fmt.Errorf("creating service directory: %w", err)
	}
	logw, err := logfile.Open(o.logPath(), logMaxBytes, logBackups)
	if err != nil {
		return fmt.Errorf("service log: %w", err)
	}
	defer logw.Close()
	log := slog.New(slog.NewTextHandler(logw, nil)).With("component", "supervisor")

	ctx, stop := stopContext(ctx, o)
	defer stop()

	self := os.Getpid()
	rec := pidRecord{SupervisorPID: self, StartedAt: time.Now()}
	if err := o.claimPIDFile(rec); err != nil {
		log.Error("supervisor cannot start", "err", err)
		return err
	}
	defer func() {
		if err := removePIDFileOf(o.pidPath(), self); err != nil {
			log.Warn("supervisor left its pid file", "err", err)
		}
	}()
	log.Info("supervisor started", "pid", self, "server", o.Exe+" "+strings.Join(o.ServeArgs, " "))

	limiter := restartLimiter{max: maxRestarts, window: restartWindow}
	for {
		err := o.runServer(ctx, log, logw, &rec)
		switch {
		case ctx.Err() != nil:
			log.Info("supervisor stopped")
			return nil
		case err == nil:
			log.Info("server exited normally; supervisor stops")
			return nil
		case !limiter.allow(time.Now()):
			log.Error("server keeps crashing; giving up",
				"max_restarts", maxRestarts, "window", restartWindow, "err", err)
			return fmt.Errorf("server crashed more than %d times within %s, giving up: %w",
				maxRestarts, restartWindow, err)
		}
		rec.Restarts++
		log.Warn("server crashed; restarting", "err", err, "restart", rec.Restarts, "delay", o.RestartDelay)
		select {
		case <-ctx.Done():
			log.Info("supervisor stopped")
			return nil
		case <-time.After(o.RestartDelay):
		}
	}
}

// claimPIDFile creates daemon.pid for this supervisor, replacing a stale one
// and refusing when another supervisor is alive.
func (o Options) claimPIDFile(rec pidRecord) error {
	for range 3 {
		err := createPIDFile(o.pidPath(), rec)
		if !errors.Is(err, fs.ErrExist) {
			return err
		}
		old, state, err := o.lookup()
		if err != nil {
			return err
		}
		if state == serviceLive && old.SupervisorPID != rec.SupervisorPID {
			return fmt.Errorf("%w as a service (supervisor pid %d)", ErrAlreadyRunning, old.SupervisorPID)
		}
		if err := os.Remove(o.pidPath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing stale pid file: %w", err)
		}
	}
	return fmt.Errorf("creating pid file: %s keeps reappearing", o.pidPath())
}

// runServer runs one server process to its end and reports how it ended: nil
// for a clean exit, an error for a crash or a failure to start.
func (o Options) runServer(ctx context.Context, log *slog.Logger, out io.Writer, rec *pidRecord) error {
	// Linux sends the parent-death signal when the thread that started the
	// child exits, not the process: keep this goroutine on its thread until
	// the server is gone (Wait blocks a thread anyway).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cmd := exec.CommandContext(ctx, o.Exe, o.ServeArgs...)
	cmd.Env = append(os.Environ(), o.Env...)
	cmd.Stdout, cmd.Stderr = out, out
	// On stop: ask gracefully, and after StopTimeout exec kills it.
	cmd.Cancel = func() error { return terminateServer(cmd.Process) }
	cmd.WaitDelay = o.StopTimeout
	prepareServer(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting server: %w", err)
	}
	pid := cmd.Process.Pid
	rec.ServerPID, rec.ServerStartedAt = pid, time.Now()
	if err := writePIDFile(o.pidPath(), *rec); err != nil {
		log.Warn("cannot record the server pid", "err", err)
	}
	log.Info("server started", "pid", pid)

	err := cmd.Wait()
	log.Info("server exited", "pid", pid, "state", cmd.ProcessState.String())
	rec.ServerPID, rec.ServerStartedAt = 0, time.Time{}
	if werr := writePIDFile(o.pidPath(), *rec); werr != nil {
		log.Warn("cannot clear the server pid", "err", werr)
	}
	if err != nil {
		return fmt.Errorf("server (pid %d): %w", pid, err)
	}
	return nil
}
