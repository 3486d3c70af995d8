package backupapi

import (
	"context"
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/rest"
)

// ServerVersion reads the API server's /version within ctx (client-go's
// ServerVersion takes no context, so a silent server would outlast the
// command's deadline).
func ServerVersion(ctx context.Context, disc rest.Interface) (version.Info, error) {
	raw, err := disc.Get().AbsPath("/version").Do(ctx).Raw()
	if err != nil {
		return version.Info{}, err
	}
	var info version.Info
	if err := json.Unmarshal(raw, &info); err != nil {
		return version.Info{}, fmt.Errorf("reading /version: %w", err)
	}
	return info, nil
}
