package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/ringchat/ring/protocol/secure"
)

// logKeys says whether peers must hold the cluster secret (configInput.load
// read it); with no secret file the ring is open, and the log says so.
func logKeys(logger *slog.Logger, path string, keys []secure.Key, listen string) {
	if path == "" {
		logger.Warn("no secret_file is set: the ring is open to anyone who can reach " + listen)
		return
	}
	logger.Info("peers must hold the cluster secret", "secret_file", path, "keys", len(keys))
}

// reloadKeysOnHangup reads the secret file again on each SIGHUP until ctx
// ends, so that the secret of a running ring can be changed
// (docs/SECURITY.md). A file that no longer loads leaves the keys as they
// were.
func reloadKeysOnHangup(ctx context.Context, hup <-chan os.Signal, path string, node interface{ SetKeys([]secure.Key) }, logger *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		if path == "" {
			logger.Info("SIGHUP: no secret_file to reload")
			continue
		}
		keys, err := secure.LoadKeys(path)
		if err != nil {
			logger.Error("SIGHUP: secret file not reloaded; the keys in force stay", "err", err)
			continue
		}
		node.SetKeys(keys)
		logger.Info("SIGHUP: secret file reloaded", "secret_file", path, "keys", len(keys))
	}
}
