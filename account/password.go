package account

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// Hasher hashes and verifies passwords with argon2id. It runs at most as many
// hashes at once as there are CPU cores, so a login storm queues instead of
// allocating 19 MiB per request until memory runs out.
type Hasher struct {
	slots chan struct{}
	dummy string
	// verified counts argon2 verifications run, so tests can check that an
	// unknown login costs the same work as a wrong password (by counting:
	// timing would be a flaky test).
	verified atomic.Int64
}

// Verifications returns how many argon2 verifications h has run.
func (h *Hasher) Verifications() int64 { return h.verified.Load() }

// NewHasher returns a Hasher allowing runtime.NumCPU() concurrent hashes.
func NewHasher() *Hasher {
	h := &Hasher{slots: make(chan struct{}, runtime.NumCPU())}
	// A real hash of a random password: verifying against it costs the same
	// as a real verification, so unknown logins take as long as wrong ones.
	b := make([]byte, 16)
	rand.Read(b)
	h.dummy, _ = h.Hash(context.Background(), base64.StdEncoding.EncodeToString(b))
	return h
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() { <-h.slots }

// Hash returns the PHC-format argon2id hash of password.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// Verify reports whether password matches encoded. An empty encoded hash
// (unknown user) is verified against a dummy hash so the time is the same.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (bool, error) {
	known := encoded != ""
	if !known {
		encoded = h.dummy
	}
	var version int
	var mem uint32
	var t uint32
	var p uint8
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("account: not an argon2id hash")
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil {
		return false, err
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil {
		return false, err
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, err
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, t, mem, p, uint32(len(want)))
	h.release()
	h.verified.Add(1)
	return known && subtle.ConstantTimeCompare(got, want) == 1, nil
}
