package logfile

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestWriter(t *testing.T) {
	tests := []struct {
		name     string
		maxBytes int64
		backups  int
		existing string   // content of the log before opening
		writes   []string // each one a Write call
		want     []string // content of log, log.1, log.2, ...; "" = absent
	}{
		{
			name:     "no_rotation_below_limit",
			maxBytes: 10, backups: 2,
			writes: []string{"aaaa\n", "bbbb\n"},
			want:   []string{"aaaa\nbbbb\n", "", ""},
		},
		{
			name:     "rotates_before_a_write_that_would_not_fit",
			maxBytes: 10, backups: 2,
			writes: []string{"aaaa\n", "bbbb\n", "cccc\n"},
			want:   []string{"cccc\n", "aaaa\nbbbb\n", ""},
		},
		{
			name:     "keeps_only_the_newest_backups",
			maxBytes: 5, backups: 2,
			writes: []string{"1111\n", "2222\n", "3333\n", "4444\n"},
			want:   []string{"4444\n", "3333\n", "2222\n", ""},
		},
		{
			name:     "counts_what_the_file_already_holds",
			maxBytes: 10, backups: 1,
			existing: "old-line\n",
			writes:   []string{"new\n"},
			want:     []string{"new\n", "old-line\n"},
		},
		{
			name:     "oversized_write_gets_a_file_of_its_own",
			maxBytes: 4, backups: 2,
			writes: []string{"ab\n", "0123456789\n", "cd\n"},
			want:   []string{"cd\n", "0123456789\n", "ab\n"},
		},
		{
			name:     "no_backups_truncates",
			maxBytes: 5, backups: 0,
			writes: []string{"1111\n", "2222\n"},
			want:   []string{"2222\n", ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "daemon.log")
			if tt.existing != "" {
				if err := os.WriteFile(path, []byte(tt.existing), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			w, err := Open(path, tt.maxBytes, tt.backups)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.writes {
				if n, err := w.Write([]byte(s)); err != nil || n != len(s) {
					t.Fatalf("Write(%q) = %d, %v", s, n, err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			for i, want := range tt.want {
				name := path
				if i > 0 {
					name = fmt.Sprintf("%s.%d", path, i)
				}
				got, err := os.ReadFile(name)
				if errors.Is(err, os.ErrNotExist) && want == "" {
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", filepath.Base(name), err)
				}
				if string(got) != want {
					t.Errorf("%s = %q, want %q", filepath.Base(name), got, want)
				}
			}
		})
	}
}

func TestWriter_FilesAreOwnerOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "daemon.log")
	w, err := Open(path, 100, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		t.Errorf("log mode = %v, want no group/other access", perm)
	}
}

func TestWriter_WriteAfterClose(t *testing.T) {
	w, err := Open(filepath.Join(t.TempDir(), "daemon.log"), 100, 1)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if _, err := w.Write([]byte("late\n")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Write after Close = %v, want os.ErrClosed", err)
	}
}

func TestWriter_ConcurrentWritesKeepLinesWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "daemon.log")
	w, err := Open(path, 512, 50)
	if err != nil {
		t.Fatal(err)
	}
	const writers, lines = 8, 50
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			for j := range lines {
				fmt.Fprintf(w, "writer-%d line-%02d\n", i, j)
			}
		})
	}
	wg.Wait()
	w.Close()

	total := 0
	matches, _ := filepath.Glob(path + "*")
	for _, name := range matches {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(data)) > 512 {
			t.Errorf("%s holds %d bytes, over the 512 limit", filepath.Base(name), len(data))
		}
		for line := range strings.Lines(string(data)) {
			if !strings.HasPrefix(line, "writer-") || !strings.HasSuffix(line, "\n") || len(line) != len("writer-0 line-00\n") {
				t.Errorf("%s: torn line %q", filepath.Base(name), line)
			}
			total++
		}
	}
	if total != writers*lines {
		t.Errorf("found %d lines across %d files, want %d", total, len(matches), writers*lines)
	}
}

func BenchmarkWriter(b *testing.B) {
	w, err := Open(filepath.Join(b.TempDir(), "daemon.log"), 1<<20, 2)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	line := bytes.Repeat([]byte("x"), 119)
	line = append(line, '\n')
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if _, err := w.Write(line); err != nil {
			b.Fatal(err)
		}
	}
}
