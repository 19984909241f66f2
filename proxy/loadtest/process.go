package loadtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// startTimeout bounds how long a child may take to answer its first request.
const startTimeout = 15 * time.Second

// child is a process the harness started and must stop.
type child struct {
	cmd    *exec.Cmd
	log    string // where its stdout and stderr go
	exited chan struct{}
	err    error // Wait's result, valid once exited is closed
}

// startChild runs name with args and env (the whole environment: nothing is
// inherited, so no key or setting of the caller leaks in), logging to a file
// in dir.
func startChild(dir, name string, args, env []string) (*child, error) {
	logPath := filepath.Join(dir, filepath.Base(name)+".log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("creating the log of %s: %w", name, err)
	}
	defer logFile.Close()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	c := &child{cmd: cmd, log: logPath, exited: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.exited)
	}()
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// stop asks the child to end (SIGTERM), and kills it when it has not within
// a few seconds.
func (c *child) stop() error {
	select {
	case <-c.exited:
		return nil
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
		return nil
	case <-time.After(5 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
		return fmt.Errorf("%s did not stop on SIGTERM; killed", c.cmd.Path)
	}
}

// logTail is the end of the child's log, for error messages.
func (c *child) logTail() string {
	data, err := os.ReadFile(c.log)
	if err != nil {
		return ""
	}
	const keep = 2000
	if len(data) > keep {
		data = data[len(data)-keep:]
	}
	return strings.TrimSpace(string(data))
}

// readyCheck tells whether a probe's answer means ready.
type readyCheck func(status int, body []byte) bool

// statusOK is ready on a 200.
func statusOK(status int, _ []byte) bool { return status == http.StatusOK }

// servesBenchModel is ready once Freelane lists the benchmark's model, so
// the first chat call finds a loaded catalog.
func servesBenchModel(status int, body []byte) bool {
	return status == http.StatusOK && bytes.Contains(body, []byte(BenchModel))
}

// waitReady polls url until an answer passes ready, c (when not nil) exits
// or startTimeout passes; it returns when that answer arrived.
func waitReady(ctx context.Context, c *child, url string, ready readyCheck) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	var exited <-chan struct{}
	if c != nil {
		exited = c.exited
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return time.Time{}, fmt.Errorf("building the readiness probe: %w", err)
		}
		if resp, err := client.Do(req); err == nil {
			at := time.Now()
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			_ = resp.Body.Close()
			if ready(resp.StatusCode, body) {
				return at, nil
			}
		}
		select {
		case <-ctx.Done():
			tail := ""
			if c != nil {
				tail = ": " + c.logTail()
			}
			return time.Time{}, fmt.Errorf("%s not ready within %s%s", url, startTimeout, tail)
		case <-exited:
			return time.Time{}, fmt.Errorf("%s exited before answering (%v): %s", c.cmd.Path, c.err, c.logTail())
		case <-tick.C:
		}
	}
}

// freeAddr finds a loopback address no one listens on.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	return addr, nil
}

// childrenOf lists the direct children of pid (nginx's workers).
func childrenOf(pid int) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	var kids []int
	for _, e := range entries {
		id, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // it ended meanwhile
		}
		end := strings.LastIndexByte(string(data), ')')
		fields := strings.Fields(string(data[end+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			kids = append(kids, id)
		}
	}
	if len(kids) == 0 {
		return nil, errors.New("no child processes found")
	}
	return kids, nil
}
