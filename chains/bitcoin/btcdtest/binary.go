package btcdtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// EnvBinary names the environment variable that may hold the path of a
// ready btcd binary, so that CI builds it once for every test process.
const EnvBinary = "HOUND_BTCD"

var binary = sync.OnceValues(findBinary)

// Binary returns the path of a btcd executable: the file $HOUND_BTCD
// names, or else the one the go command builds from the module cache with
// `go tool -n btcd` (go.mod pins btcd as a tool; the build is cached by
// the go command, so only the first test run pays for it). The go command
// runs in the current directory, which must be inside the module. The
// answer is computed once per process.
func Binary() (string, error) { return binary() }

// findBinary does the work of Binary.
func findBinary() (string, error) {
	if p := os.Getenv(EnvBinary); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("$%s: %w", EnvBinary, err)
		}
		return p, nil
	}
	var stderr bytes.Buffer
	cmd := exec.Command("go", "tool", "-n", "btcd")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("build btcd with go tool -n btcd: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}
