package service

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestLockInstance_OneHolderAtATime(t *testing.T) {
	dir := t.TempDir()
	first, err := LockInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockInstance(dir)
	if !errors.Is(err, ErrAlreadyRunning) || !strings.Contains(err.Error(), strconv.Itoa(os.Getpid())) {
		t.Fatalf("second lock: %v, want ErrAlreadyRunning naming pid %d", err, os.Getpid())
	}
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	again, err := LockInstance(dir)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	_ = again.Release()
}
