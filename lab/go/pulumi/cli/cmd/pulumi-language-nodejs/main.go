// Command pulumi-language-nodejs is a small, lab-only Node.js language host for the Pulumi CLI.
//
// Why it exists: upstream's language host lives in its own Go module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) and the Go module proxy
// reachable from the lab does not serve that module at any version, while get.pulumi.com (the
// usual source of the prebuilt binary) cannot be reached. This host implements the parts of the
// LanguageRuntime gRPC service that `pulumi preview/up/destroy/refresh` and the Automation API
// use for a Node.js/TypeScript program:
//
//   - Handshake, GetPluginInfo, Cancel
//   - GetRequiredPlugins / GetRequiredPackages: scans node_modules for package.json files that
//     declare `"pulumi": {"resource": true}` (so the CLI checks the plugins up front, as usual)
//   - Run: starts `node <nodeargs> node_modules/@pulumi/pulumi/cmd/run ... <program>` with the
//     same flags and environment (PULUMI_CONFIG, PULUMI_CONFIG_SECRET_KEYS,
//     PULUMI_NODEJS_TYPESCRIPT, PULUMI_NODEJS_TSCONFIG_PATH) that @pulumi/pulumi's runner reads
//   - InstallDependencies (npm/yarn/pnpm/bun install), About, GetProgramDependencies
//
// Everything else (code generation, policy packs, Node.js providers via RunPlugin, Pack, Link)
// answers Unimplemented. Runtime options are read from Pulumi.yaml's `runtime.options`
// (typescript, tsconfig, nodeargs, packagemanager).
//
// The gRPC server listens on 127.0.0.1 only (rpcutil.ServeWithOptions).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Exit code with which @pulumi/pulumi's runner says "the user already saw an actionable error".
const nodeExitedAfterLoggingUserActionableMessage = 32

// Relative location of @pulumi/pulumi's program runner inside a node_modules directory.
const runModule = "@pulumi/pulumi/cmd/run"

func main() {
	// Flags older CLIs passed; the current CLI passes only the engine address (positional).
	var tracing, root, tsconfig, nodeargs, packagemanager string
	var typescript bool
	flag.StringVar(&tracing, "tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	flag.BoolVar(&typescript, "typescript", true, "Use ts-node at runtime to support TypeScript natively")
	flag.StringVar(&root, "root", "", "Project root path to use")
	flag.StringVar(&tsconfig, "tsconfig", "", "Path to tsconfig.json to use")
	flag.StringVar(&nodeargs, "nodeargs", "", "Arguments for the Node process")
	flag.StringVar(&packagemanager, "packagemanager", "", "Package manager for installing dependencies")
	flag.Parse()

	logging.InitLogging(false, 0, false)

	host := &nodeHost{
		tracing: tracing,
		defaults: runtimeOptions{
			typescript: typescript, tsconfig: tsconfig, nodeargs: nodeargs, packagemanager: packagemanager,
		},
	}
	if args := flag.Args(); len(args) > 0 {
		host.engineAddress = args[0]
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cancelChannel := make(chan bool)
	go func() {
		<-ctx.Done()
		close(cancelChannel)
	}()
	// Stop serving when the engine goes away, so no host outlives its CLI.
	if host.engineAddress != "" {
		if err := rpcutil.Healthcheck(ctx, host.engineAddress, 5*time.Minute, cancel); err != nil {
			cmdutil.Exit(fmt.Errorf("could not start health check host RPC server: %w", err))
		}
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancelChannel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start language host RPC server: %w", err))
	}
	// The spawner reads the port from our first line of output.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host RPC stopped serving: %w", err))
	}
}

type runtimeOptions struct {
	typescript     bool
	tsconfig       string
	nodeargs       string
	packagemanager string
}

type nodeHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu            sync.Mutex
	engineAddress string
	tracing       string
	defaults      runtimeOptions
}

func (h *nodeHost) engine() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engineAddress
}

// options merges Pulumi.yaml's runtime.options over the command-line defaults.
func (h *nodeHost) options(info *pulumirpc.ProgramInfo) (runtimeOptions, error) {
	o := h.defaults
	if info == nil || info.GetOptions() == nil {
		return o, nil
	}
	for k, v := range info.GetOptions().AsMap() {
		switch k {
		case "typescript":
			b, ok := v.(bool)
			if !ok {
				return o, fmt.Errorf("runtime option typescript must be a boolean, got %T", v)
			}
			o.typescript = b
		case "tsconfig":
			s, ok := v.(string)
			if !ok {
				return o, fmt.Errorf("runtime option tsconfig must be a string, got %T", v)
			}
			o.tsconfig = s
		case "nodeargs":
			s, ok := v.(string)
			if !ok {
				return o, fmt.Errorf("runtime option nodeargs must be a string, got %T", v)
			}
			o.nodeargs = s
		case "packagemanager":
			s, ok := v.(string)
			if !ok {
				return o, fmt.Errorf("runtime option packagemanager must be a string, got %T", v)
			}
			o.packagemanager = s
		}
	}
	return o, nil
}

func (h *nodeHost) Handshake(
	ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *nodeHost) GetPluginInfo(ctx context.Context, _ *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (h *nodeHost) Cancel(ctx context.Context, _ *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// programDir returns the directory the program lives in, from the ProgramInfo or the deprecated fields.
func programDir(info *pulumirpc.ProgramInfo, legacy string) string {
	if info != nil && info.GetProgramDirectory() != "" {
		return info.GetProgramDirectory()
	}
	if legacy != "" {
		return legacy
	}
	wd, _ := os.Getwd()
	return wd
}

// --- required plugins -------------------------------------------------------------------------

type packageJSON struct {
	Name            string            `json:"name"`
	Version         string            `json:"version"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
	Pulumi          struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

func readPackageJSON(path string) (*packageJSON, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	return &p, nil
}

// pluginOf returns the resource plugin a package declares, if any.
func pluginOf(p *packageJSON) (*pulumirpc.PackageDependency, bool) {
	if !p.Pulumi.Resource {
		return nil, false
	}
	name := p.Pulumi.Name
	if name == "" {
		name = strings.TrimPrefix(p.Name, "@pulumi/")
		name = strings.TrimPrefix(name, "@")
	}
	v := p.Pulumi.Version
	if v == "" {
		v = p.Version
	}
	if name == "" || v == "" {
		return nil, false
	}
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	return &pulumirpc.PackageDependency{Kind: "resource", Name: name, Version: v, Server: p.Pulumi.Server}, true
}

// findUp returns the first dir/rel that exists walking up from dir.
func findUp(dir, rel string) (string, bool) {
	dir, _ = filepath.Abs(dir)
	for {
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// scanNodeModules collects resource plugins from every package (scoped and nested) below nm.
func scanNodeModules(nm string, seen map[string]bool, out map[string]*pulumirpc.PackageDependency) error {
	real, err := filepath.EvalSymlinks(nm)
	if err != nil {
		return nil // no node_modules here
	}
	if seen[real] {
		return nil
	}
	seen[real] = true
	entries, err := os.ReadDir(real)
	if err != nil {
		return err
	}
	var pkgDirs []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		full := filepath.Join(real, name)
		if strings.HasPrefix(name, "@") {
			scoped, err := os.ReadDir(full)
			if err != nil {
				continue
			}
			for _, s := range scoped {
				pkgDirs = append(pkgDirs, filepath.Join(full, s.Name()))
			}
			continue
		}
		pkgDirs = append(pkgDirs, full)
	}
	for _, dir := range pkgDirs {
		p, err := readPackageJSON(filepath.Join(dir, "package.json"))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return err
		}
		if dep, ok := pluginOf(p); ok {
			out[dep.Name+"@"+dep.Version] = dep
		}
		if err := scanNodeModules(filepath.Join(dir, "node_modules"), seen, out); err != nil {
			return err
		}
	}
	return nil
}

func requiredPackages(dir string) ([]*pulumirpc.PackageDependency, error) {
	nm, ok := findUp(dir, "node_modules")
	if !ok {
		return nil, nil
	}
	found := map[string]*pulumirpc.PackageDependency{}
	if err := scanNodeModules(nm, map[string]bool{}, found); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(found))
	for k := range found {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	deps := make([]*pulumirpc.PackageDependency, 0, len(keys))
	for _, k := range keys {
		deps = append(deps, found[k])
	}
	return deps, nil
}

func (h *nodeHost) GetRequiredPackages(
	ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	deps, err := requiredPackages(programDir(req.GetInfo(), ""))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: deps}, nil
}

func (h *nodeHost) GetRequiredPlugins(
	ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	deps, err := requiredPackages(programDir(req.GetInfo(), req.GetProgram())) //nolint:staticcheck
	if err != nil {
		return nil, err
	}
	plugins := make([]*pulumirpc.PluginDependency, 0, len(deps))
	for _, d := range deps {
		plugins = append(plugins, &pulumirpc.PluginDependency{
			Name: d.Name, Kind: d.Kind, Version: d.Version, Server: d.Server,
		})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

// --- run --------------------------------------------------------------------------------------

func (h *nodeHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	opts, err := h.options(req.GetInfo())
	if err != nil {
		return nil, err
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	dir := programDir(req.GetInfo(), req.GetPwd())
	runPath := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH")
	if runPath == "" {
		p, ok := findUp(dir, filepath.Join("node_modules", runModule))
		if !ok {
			return &pulumirpc.RunResponse{Error: "It looks like the Pulumi SDK has not been installed " +
				"(no node_modules/" + runModule + " above " + dir + "). Have you run npm install?"}, nil
		}
		runPath = p
	}

	args := strings.Fields(opts.nodeargs)
	args = append(args, runPath)
	flagArg := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	flagArg("monitor", req.GetMonitorAddress())
	flagArg("engine", h.engine())
	flagArg("organization", req.GetOrganization())
	flagArg("project", req.GetProject())
	if info := req.GetInfo(); info != nil {
		flagArg("root-directory", info.GetRootDirectory())
	}
	flagArg("stack", req.GetStack())
	pwd := req.GetPwd()
	if pwd == "" {
		pwd = dir
	}
	flagArg("pwd", pwd)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	flagArg("parallel", fmt.Sprint(req.GetParallel()))
	flagArg("tracing", h.tracing)

	program := req.GetProgram() //nolint:staticcheck
	if info := req.GetInfo(); info != nil {
		program = info.GetEntryPoint()
		if program != "" && program != "." && !filepath.IsAbs(program) {
			program = filepath.Join(info.GetProgramDirectory(), program)
		}
	}
	if program == "" {
		// "." makes the runner use package.json's exports/main, or Node's default ./index.js.
		program = "."
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	config := req.GetConfig()
	if config == nil {
		config = map[string]string{}
	}
	configJSON, err := json.Marshal(config)
	if err != nil {
		return nil, fmt.Errorf("serializing config: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("serializing config secret keys: %w", err)
	}

	env := os.Environ()
	env = append(env, "PULUMI_CONFIG="+string(configJSON), "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON))
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}

	logging.V(5).Infof("Language host launching process: %s %s", nodeBin, strings.Join(args, " "))
	cmd := exec.Command(nodeBin, args...)
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", err),
		}, nil
	}
	// If the engine abandons the call, stop the program rather than leave it running.
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			_ = cmd.Process.Signal(syscall.SIGTERM)
		case <-done:
		}
	}()
	err = cmd.Wait()
	close(done)
	_ = os.Stdout.Sync()
	_ = os.Stderr.Sync()
	if err == nil {
		return &pulumirpc.RunResponse{}, nil
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		switch code := exitErr.ExitCode(); code {
		case nodeExitedAfterLoggingUserActionableMessage:
			return &pulumirpc.RunResponse{Bail: true}, nil
		case 0:
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited unexpectedly: %v", exitErr)}, nil
		default:
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", code)}, nil
		}
	}
	return &pulumirpc.RunResponse{
		Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", err),
	}, nil
}

// --- dependencies and about -------------------------------------------------------------------

func (h *nodeHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	opts, err := h.options(req.GetInfo())
	if err != nil {
		return err
	}
	dir := programDir(req.GetInfo(), req.GetDirectory()) //nolint:staticcheck
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()

	pm := opts.packagemanager
	if pm == "" {
		pm = "npm"
	}
	var args []string
	switch pm {
	case "npm", "yarn", "pnpm", "bun":
		args = []string{"install"}
	default:
		return fmt.Errorf("unknown packagemanager %q (want npm, yarn, pnpm or bun)", pm)
	}
	bin, err := exec.LookPath(pm)
	if err != nil {
		return fmt.Errorf("could not find %s on the $PATH: %w", pm, err)
	}
	fmt.Fprintf(stdout, "Installing dependencies with %s in %s...\n", pm, dir)
	cmd := exec.CommandContext(server.Context(), bin, args...)
	cmd.Dir = dir
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s install failed: %w", pm, err)
	}
	fmt.Fprintln(stdout, "Finished installing dependencies")
	return nil
}

func (h *nodeHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	out, err := exec.CommandContext(ctx, nodeBin, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("running node --version: %w", err)
	}
	return &pulumirpc.AboutResponse{
		Executable: nodeBin,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
	}, nil
}

// GetProgramDependencies lists package.json's dependencies (and devDependencies if asked) with the
// versions actually installed in node_modules.
func (h *nodeHost) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := programDir(req.GetInfo(), req.GetProgram()) //nolint:staticcheck
	pkgPath, ok := findUp(dir, "package.json")
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no package.json above %s", dir)
	}
	p, err := readPackageJSON(pkgPath)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for n := range p.Dependencies {
		names[n] = true
	}
	if req.GetTransitiveDependencies() {
		for n := range p.DevDependencies {
			names[n] = true
		}
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	root := filepath.Dir(pkgPath)
	var deps []*pulumirpc.DependencyInfo
	for _, n := range sorted {
		v := p.Dependencies[n]
		if v == "" {
			v = p.DevDependencies[n]
		}
		if installed, err := readPackageJSON(filepath.Join(root, "node_modules", n, "package.json")); err == nil {
			v = installed.Version
		}
		deps = append(deps, &pulumirpc.DependencyInfo{Name: n, Version: v})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}
