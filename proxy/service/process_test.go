package service

import (
	"os"
	"testing"
)

func TestSameProgramName(t *testing.T) {
	tests := []struct {
		name     string
		a, b     string
		limit    int
		foldCase bool
		want     bool
	}{
		{"same_name_other_folder", "/usr/local/bin/freelane", "/home/me/.local/bin/freelane", 0, false, true},
		{"another_program", "/usr/bin/python3", "/opt/freelane", 0, false, false},
		{"case_differs", "/opt/Freelane", "/opt/freelane", 0, false, false},
		{"case_ignored", `C:\Apps\Freelane.exe`, `C:\apps\freelane.EXE`, 0, true, true},
		// macOS keeps 16 bytes of the name: the kernel's view of a long name
		// matches the full path; a name differing within them does not.
		{"truncated_by_the_kernel", "freelane-nightly", "/Applications/freelane-nightly-arm64", 16, false, true},
		{"differs_within_the_limit", "freelane-nightlX", "/Applications/freelane-nightly-arm64", 16, false, false},
		{"short_names", "freelane", "/Applications/Freelane.app/Contents/MacOS/freelane", 16, false, true},
		{"no_limit_means_whole_names", "freelane-nightly", "freelane-nightly-arm64", 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sameProgramName(tt.a, tt.b, tt.limit, tt.foldCase); got != tt.want {
				t.Errorf("sameProgramName(%q, %q, %d, %v) = %v, want %v", tt.a, tt.b, tt.limit, tt.foldCase, got, tt.want)
			}
		})
	}
}

func TestIsFreelaneProcess(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	_, nameErr := processExecutable(os.Getpid())
	for _, mode := range []unnamedProcess{trustAlive, requireName} {
		// Where no name can be read, strict mode cannot recognise anyone.
		wantSelf := nameErr == nil || mode == trustAlive
		if got := isFreelaneProcess(os.Getpid(), exe, mode); got != wantSelf {
			t.Errorf("isFreelaneProcess(self, %v) = %v, want %v", mode, got, wantSelf)
		}
		if nameErr == nil && isFreelaneProcess(os.Getpid(), "/elsewhere/another-program", mode) {
			t.Errorf("the test process taken for another program (%v)", mode)
		}
		if isFreelaneProcess(0, exe, mode) || isFreelaneProcess(-1, exe, mode) {
			t.Errorf("a non-positive pid is taken for a process (%v)", mode)
		}
	}
}
