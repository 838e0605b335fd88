// pulumi-resource-command for the kube-ceph lab: a stand-in for the Pulumi command provider v1.2.1
// (github.com/pulumi/pulumi-command), whose Go module is served by the module proxy at no version.
//
// It implements the resource type the program uses, command:remote:Command, with the inputs and
// semantics of upstream 1.x: Check applies the schema defaults, Diff marks a change to `triggers` as
// a replacement and any other input change as an update, Create runs `create`, Update runs `update`
// (or `create` when there is no `update`), Delete runs `delete`, Read returns the state as is.
// Commands really run: each is one SSH `exec` request on a fresh connection
// (golang.org/x/crypto/ssh), which, as upstream's, stays open until the plugin exits. Dialing,
// host keys and error text follow upstream's remote/connection.go and commandOutputs.go.
// Nothing reports success for a command that did not run and exit 0.
// See lab/README-pulumi.md for what differs from upstream.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	pbempty "google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const (
	providerName    = "command"
	providerVersion = "1.2.1"
	remoteCommand   = "command:remote:Command"

	envStdout = "PULUMI_COMMAND_STDOUT"
	envStderr = "PULUMI_COMMAND_STDERR"

	defaultUser           = "root"
	defaultPort           = 22
	defaultDialErrorLimit = 10
	defaultPerDialTimeout = 15
)

// The inputs of command:remote:Command (@pulumi/command 1.2.1); everything else in the state is output.
var inputKeys = []resource.PropertyKey{
	"addPreviousOutputInEnv", "connection", "create", "delete", "environment",
	"logging", "stdin", "triggers", "update",
}

// main serves the provider the way the engine starts plugins: it passes flags (-v, --logtostderr,
// --tracing, ...) and the engine's gRPC address as the last argument, and reads the port the plugin
// listens on from its first line of stdout. (sdk/v3's go/pulumi/provider.Main does the same but pulls
// in OpenTelemetry modules that are not in the lab's module cache.)
func main() {
	if err := serve(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-command: %v\n", err)
		os.Exit(1)
	}
}

func serve(args []string) error {
	var engineAddr string
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			engineAddr = a // flags' values are given as --flag=value by the engine; the address is last
		}
	}
	host := &hostClient{}
	if engineAddr != "" {
		conn, err := grpc.NewClient(engineAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return fmt.Errorf("connecting to the engine at %s: %w", engineAddr, err)
		}
		defer conn.Close()
		host.engine = pulumirpc.NewEngineClient(conn)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(400 * 1024 * 1024))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pulumirpc.RegisterResourceProviderServer(srv, &commandProvider{host: host, ctx: ctx, cancel: cancel})
	fmt.Printf("%d\n", lis.Addr().(*net.TCPAddr).Port)
	return srv.Serve(lis)
}

// hostClient sends log messages to the engine (a no-op without an engine address).
type hostClient struct{ engine pulumirpc.EngineClient }

func (h *hostClient) log(ctx context.Context, sev diag.Severity, urn resource.URN, msg string, ephemeral bool) error {
	if h.engine == nil {
		return nil
	}
	var rpcsev pulumirpc.LogSeverity
	switch sev {
	case diag.Debug:
		rpcsev = pulumirpc.LogSeverity_DEBUG
	case diag.Warning:
		rpcsev = pulumirpc.LogSeverity_WARNING
	case diag.Error:
		rpcsev = pulumirpc.LogSeverity_ERROR
	default:
		rpcsev = pulumirpc.LogSeverity_INFO
	}
	_, err := h.engine.Log(ctx, &pulumirpc.LogRequest{Severity: rpcsev, Message: msg, Urn: string(urn), Ephemeral: ephemeral})
	return err
}

func (h *hostClient) Log(ctx context.Context, sev diag.Severity, urn resource.URN, msg string) error {
	return h.log(ctx, sev, urn, msg, false)
}

func (h *hostClient) LogStatus(ctx context.Context, sev diag.Severity, urn resource.URN, msg string) error {
	return h.log(ctx, sev, urn, msg, true)
}

type commandProvider struct {
	pulumirpc.UnimplementedResourceProviderServer
	host   *hostClient
	ctx    context.Context // cancelled by Cancel
	cancel context.CancelFunc
}

var marshalOpts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true, RejectAssets: true}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	return plugin.UnmarshalProperties(s, marshalOpts)
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, marshalOpts)
}

func checkType(t string, urn string) error {
	if t == "" {
		t = string(resource.URN(urn).Type())
	}
	if t != remoteCommand {
		return fmt.Errorf("resource type %s is not implemented by the kube-ceph lab's pulumi-resource-command "+
			"(only %s is; see lab/README-pulumi.md)", t, remoteCommand)
	}
	return nil
}

// ---------------------------------------------------------------- provider-level RPCs

func (p *commandProvider) GetPluginInfo(context.Context, *pbempty.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: providerVersion}, nil
}

func (p *commandProvider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: schemaJSON}, nil
}

func (p *commandProvider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *commandProvider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *commandProvider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true}, nil
}

func (p *commandProvider) Cancel(context.Context, *pbempty.Empty) (*pbempty.Empty, error) {
	p.cancel()
	return &pbempty.Empty{}, nil
}

// ---------------------------------------------------------------- Check

func (p *commandProvider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if err := checkType(req.GetType(), req.GetUrn()); err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	var failures []*pulumirpc.CheckFailure
	fail := func(prop, reason string) {
		failures = append(failures, &pulumirpc.CheckFailure{Property: prop, Reason: reason})
	}
	for k := range news {
		if !isInput(k) {
			fail(string(k), fmt.Sprintf("unknown property %q for %s", k, remoteCommand))
		}
	}
	if v, ok := news["logging"]; ok && v.IsString() {
		switch v.StringValue() {
		case "stdout", "stderr", "stdoutAndStderr", "none":
		default:
			fail("logging", fmt.Sprintf("logging must be one of stdout, stderr, stdoutAndStderr, none; got %q", v.StringValue()))
		}
	}
	conn, ok := news["connection"]
	if !ok || conn.IsNull() {
		fail("connection", "missing required property 'connection'")
	} else {
		news["connection"] = mapInside(conn, func(c resource.PropertyMap) {
			setDefault(c, "user", resource.NewStringProperty(defaultUser))
			setDefault(c, "port", resource.NewNumberProperty(defaultPort))
			setDefault(c, "dialErrorLimit", resource.NewNumberProperty(defaultDialErrorLimit))
			setDefault(c, "perDialTimeout", resource.NewNumberProperty(defaultPerDialTimeout))
			if h, ok := c["host"]; !ok || h.IsNull() {
				fail("connection.host", "missing required property 'connection.host'")
			}
			if px, ok := c["proxy"]; ok && !px.IsNull() {
				fail("connection.proxy", "connection.proxy is not supported by the kube-ceph lab's pulumi-resource-command")
			}
		})
	}
	inputs, err := marshal(news)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: inputs, Failures: failures}, nil
}

func isInput(k resource.PropertyKey) bool {
	for _, i := range inputKeys {
		if i == k {
			return true
		}
	}
	return false
}

func setDefault(m resource.PropertyMap, k resource.PropertyKey, v resource.PropertyValue) {
	if cur, ok := m[k]; !ok || cur.IsNull() {
		m[k] = v
	}
}

// mapInside applies f to the object inside v (through a secret wrapper), keeping the wrapper.
// Unknown values are returned unchanged.
func mapInside(v resource.PropertyValue, f func(resource.PropertyMap)) resource.PropertyValue {
	switch {
	case v.IsSecret():
		return resource.MakeSecret(mapInside(v.SecretValue().Element, f))
	case v.IsObject():
		m := v.ObjectValue().Copy()
		f(m)
		return resource.NewObjectProperty(m)
	default:
		return v
	}
}

// ---------------------------------------------------------------- Diff

func (p *commandProvider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	if err := checkType(req.GetType(), req.GetUrn()); err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	ignore := map[string]bool{}
	for _, k := range req.GetIgnoreChanges() {
		ignore[k] = true
	}
	resp := &pulumirpc.DiffResponse{
		Changes:         pulumirpc.DiffResponse_DIFF_NONE,
		DetailedDiff:    map[string]*pulumirpc.PropertyDiff{},
		HasDetailedDiff: true,
	}
	for _, k := range inputKeys {
		if ignore[string(k)] {
			continue
		}
		o, hasOld := olds[k]
		n, hasNew := news[k]
		hasOld = hasOld && !o.IsNull()
		hasNew = hasNew && !n.IsNull()
		var kind pulumirpc.PropertyDiff_Kind
		switch {
		case !hasOld && !hasNew:
			continue
		case !hasOld:
			kind = pulumirpc.PropertyDiff_ADD
		case !hasNew:
			kind = pulumirpc.PropertyDiff_DELETE
		case n.ContainsUnknowns() || !plain(o).DeepEquals(plain(n)):
			kind = pulumirpc.PropertyDiff_UPDATE
		default:
			continue
		}
		// Upstream tags `triggers` replaceOnChanges: any change to it replaces the resource.
		if k == "triggers" {
			kind += 1 // ADD -> ADD_REPLACE, DELETE -> DELETE_REPLACE, UPDATE -> UPDATE_REPLACE
			resp.Replaces = append(resp.Replaces, string(k))
		}
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
		resp.Diffs = append(resp.Diffs, string(k))
		resp.DetailedDiff[string(k)] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	return resp, nil
}

// plain strips secret wrappers, so a value compares equal to itself whether or not it is secret.
func plain(v resource.PropertyValue) resource.PropertyValue {
	switch {
	case v.IsSecret():
		return plain(v.SecretValue().Element)
	case v.IsObject():
		m := resource.PropertyMap{}
		for k, e := range v.ObjectValue() {
			m[k] = plain(e)
		}
		return resource.NewObjectProperty(m)
	case v.IsArray():
		a := make([]resource.PropertyValue, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			a[i] = plain(e)
		}
		return resource.NewArrayProperty(a)
	default:
		return v
	}
}

// ---------------------------------------------------------------- Create / Update / Delete / Read

func (p *commandProvider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	if err := checkType(req.GetType(), req.GetUrn()); err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	name := req.GetName()
	if name == "" {
		name = resource.URN(req.GetUrn()).Name()
	}
	id, err := resource.NewUniqueHex(name, 8, 0)
	if err != nil {
		return nil, err
	}
	state := news.Copy()
	if req.GetPreview() {
		state["stdout"] = resource.MakeComputed(resource.NewStringProperty(""))
		state["stderr"] = resource.MakeComputed(resource.NewStringProperty(""))
	} else {
		state["stdout"], state["stderr"] = resource.NewStringProperty(""), resource.NewStringProperty("")
		if cmd, ok := stringInput(news, "create"); ok {
			stdout, stderr, err := p.run(ctx, resource.URN(req.GetUrn()), news, cmd, "", "")
			if err != nil {
				return nil, err
			}
			state["stdout"], state["stderr"] = resource.NewStringProperty(stdout), resource.NewStringProperty(stderr)
		}
	}
	props, err := marshal(state)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

func (p *commandProvider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	if err := checkType(req.GetType(), req.GetUrn()); err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	state := news.Copy()
	// As upstream: the previous outputs are kept unless a command runs and replaces them.
	state["stdout"], state["stderr"] = keep(olds, "stdout"), keep(olds, "stderr")
	cmd, ok := stringInput(news, "update")
	if !ok {
		cmd, ok = stringInput(news, "create")
	}
	if req.GetPreview() {
		if ok {
			state["stdout"] = resource.MakeComputed(resource.NewStringProperty(""))
			state["stderr"] = resource.MakeComputed(resource.NewStringProperty(""))
		}
	} else if ok {
		prevOut, _ := stringInput(olds, "stdout")
		prevErr, _ := stringInput(olds, "stderr")
		stdout, stderr, err := p.run(ctx, resource.URN(req.GetUrn()), news, cmd, prevOut, prevErr)
		if err != nil {
			return nil, err
		}
		state["stdout"], state["stderr"] = resource.NewStringProperty(stdout), resource.NewStringProperty(stderr)
	}
	props, err := marshal(state)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

func keep(m resource.PropertyMap, k resource.PropertyKey) resource.PropertyValue {
	if v, ok := m[k]; ok {
		return v
	}
	return resource.NewStringProperty("")
}

func (p *commandProvider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*pbempty.Empty, error) {
	if err := checkType(req.GetType(), req.GetUrn()); err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	if cmd, ok := stringInput(olds, "delete"); ok {
		prevOut, _ := stringInput(olds, "stdout")
		prevErr, _ := stringInput(olds, "stderr")
		if _, _, err := p.run(ctx, resource.URN(req.GetUrn()), olds, cmd, prevOut, prevErr); err != nil {
			return nil, err
		}
	}
	return &pbempty.Empty{}, nil
}

func (p *commandProvider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	if err := checkType(req.GetType(), req.GetUrn()); err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

// ---------------------------------------------------------------- inputs

// stringInput returns a known string input (through a secret wrapper); ok is false when absent or null.
func stringInput(m resource.PropertyMap, k resource.PropertyKey) (string, bool) {
	v, ok := m[k]
	if !ok {
		return "", false
	}
	v = plain(v)
	if !v.IsString() {
		return "", false
	}
	return v.StringValue(), true
}

type connection struct {
	host, user                         string
	port                               int
	privateKey, privateKeyPassword     *string
	password, hostKey, agentSocketPath *string
	dialErrorLimit                     int
	perDialTimeout                     time.Duration
}

func parseConnection(m resource.PropertyMap) (*connection, error) {
	v, ok := m["connection"]
	if !ok {
		return nil, errors.New("missing connection")
	}
	if v.ContainsUnknowns() {
		return nil, errors.New("connection has unknown values")
	}
	v = plain(v)
	if !v.IsObject() {
		return nil, fmt.Errorf("connection must be an object, got %v", v.TypeString())
	}
	c := v.ObjectValue()
	str := func(k resource.PropertyKey) *string {
		if s, ok := stringInput(c, k); ok {
			return &s
		}
		return nil
	}
	num := func(k resource.PropertyKey, def int) int {
		if n, ok := c[k]; ok && n.IsNumber() {
			return int(n.NumberValue())
		}
		return def
	}
	if px, ok := c["proxy"]; ok && !px.IsNull() {
		return nil, errors.New("connection.proxy is not supported by the kube-ceph lab's pulumi-resource-command")
	}
	conn := &connection{
		port:               num("port", defaultPort),
		privateKey:         str("privateKey"),
		privateKeyPassword: str("privateKeyPassword"),
		password:           str("password"),
		hostKey:            str("hostKey"),
		agentSocketPath:    str("agentSocketPath"),
		dialErrorLimit:     num("dialErrorLimit", defaultDialErrorLimit),
		perDialTimeout:     time.Duration(num("perDialTimeout", defaultPerDialTimeout)) * time.Second,
	}
	if h := str("host"); h != nil && *h != "" {
		conn.host = *h
	} else {
		return nil, errors.New("connection.host is required")
	}
	conn.user = defaultUser
	if u := str("user"); u != nil {
		conn.user = *u
	}
	return conn, nil
}

// ---------------------------------------------------------------- SSH

// clientConfig builds the SSH client settings as upstream's connection.go SSHConfig does: a set
// hostKey (even an empty one) must parse, and pins with ssh.FixedHostKey, offering only the pinned
// key's own algorithm — for an ssh-rsa pin that is SHA-1 "ssh-rsa", which OpenSSH >= 8.8 no longer
// offers, so such a pin never connects, as with the real provider. perDialTimeout becomes
// ClientConfig.Timeout, which bounds only the TCP connect.
func (c *connection) clientConfig() (*ssh.ClientConfig, error) {
	config := &ssh.ClientConfig{User: c.user, HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: c.perDialTimeout}
	if c.hostKey != nil {
		want, _, _, _, err := ssh.ParseAuthorizedKey([]byte(*c.hostKey))
		if err != nil {
			return nil, fmt.Errorf("failed to parse host key: %w", err)
		}
		config.HostKeyCallback = ssh.FixedHostKey(want)
		config.HostKeyAlgorithms = []string{want.Type()}
	}
	if c.privateKey != nil {
		var signer ssh.Signer
		var err error
		if c.privateKeyPassword != nil {
			signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(*c.privateKey), []byte(*c.privateKeyPassword))
		} else {
			signer, err = ssh.ParsePrivateKey([]byte(*c.privateKey))
		}
		if err != nil {
			return nil, err
		}
		config.Auth = append(config.Auth, ssh.PublicKeys(signer))
	}
	if c.password != nil {
		pw := *c.password
		config.Auth = append(config.Auth, ssh.Password(pw),
			ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = pw
				}
				return answers, nil
			}))
	}
	// As upstream: the agent at agentSocketPath, else at $SSH_AUTH_SOCK; a socket that cannot be
	// reached fails the command even when a private key is given.
	sock := os.Getenv("SSH_AUTH_SOCK")
	if c.agentSocketPath != nil {
		sock = *c.agentSocketPath
	}
	if sock != "" {
		conn, err := net.Dial("unix", sock)
		if err != nil {
			return nil, err
		}
		config.Auth = append(config.Auth, ssh.PublicKeysCallback(agent.NewClient(conn).Signers))
	}
	return config, nil
}

// dial connects as upstream's dialWithRetry (on the sdk's retry.Until defaults) does: up to
// dialErrorLimit+1 attempts (-1: no limit), every failure retried alike — a host key mismatch
// too — after 100 ms, growing 1.5x to at most 5 s, with an "Dial n/limit failed: retrying"
// status in between. The final error counts one attempt fewer than were made, as upstream's
// does. ssh.Dial is not cancellable: ctx is only looked at between attempts, and a server that
// accepts TCP and never speaks SSH blocks it for good.
func (c *connection) dial(ctx context.Context, status func(string), config *ssh.ClientConfig) (*ssh.Client, error) {
	addr := net.JoinHostPort(c.host, strconv.Itoa(c.port))
	delay := 100 * time.Millisecond
	for try := 0; ; try++ {
		client, err := ssh.Dial("tcp", addr, config)
		if err == nil {
			return client, nil
		}
		dials := try + 1
		if c.dialErrorLimit > -1 && dials > c.dialErrorLimit {
			return nil, fmt.Errorf("after %d failed attempts: %w", try, err)
		}
		limit := "inf"
		if c.dialErrorLimit > -1 {
			limit = strconv.Itoa(c.dialErrorLimit)
		}
		status(fmt.Sprintf("Dial %d/%s failed: retrying", dials, limit))
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		if delay = delay * 3 / 2; delay > 5*time.Second {
			delay = 5 * time.Second
		}
	}
}

// lineLogger sends each complete line written to it to the engine as an ephemeral Info status.
type lineLogger struct {
	mu   sync.Mutex
	buf  []byte
	emit func(string)
}

func (l *lineLogger) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, b...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.emit(string(l.buf[:i]))
		l.buf = l.buf[i+1:]
	}
	return len(b), nil
}

func (l *lineLogger) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.emit(string(l.buf))
		l.buf = nil
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// run executes cmd as one SSH exec request and returns its stdout and stderr, each without one
// trailing newline, as upstream's commandOutputs.go run does, including what a real installation
// lives with:
//   - the *ssh.Client is never closed: every command leaves one logged-in connection (and its sshd
//     processes) on the host until this plugin exits at the end of the run; only the session closes;
//   - a non-zero exit, a signal or a lost connection is an error that quotes stdout and stderr
//     together whatever `logging` says (logging only chooses what is streamed as status lines);
//   - a running command is never interrupted, not even by Cancel.
func (p *commandProvider) run(ctx context.Context, urn resource.URN, in resource.PropertyMap, cmd, prevOut, prevErr string) (string, string, error) {
	// Cancel reaches the dial loop between attempts, as upstream's cancel middleware does.
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		select {
		case <-p.ctx.Done():
			stop()
		case <-ctx.Done():
		}
	}()
	conn, err := parseConnection(in)
	if err != nil {
		return "", "", err
	}
	if env, ok := in["environment"]; ok && env.ContainsUnknowns() {
		return "", "", errors.New("environment has unknown values")
	}
	config, err := conn.clientConfig()
	if err != nil {
		return "", "", err
	}
	status := func(msg string) { _ = p.host.LogStatus(ctx, diag.Info, urn, msg) }
	client, err := conn.dial(ctx, status, config)
	if err != nil {
		return "", "", err
	}
	session, err := client.NewSession()
	if err != nil {
		return "", "", err
	}
	defer session.Close()

	if env, ok := in["environment"]; ok && !env.IsNull() {
		envMap := plain(env)
		if !envMap.IsObject() {
			return "", "", errors.New("environment must be a map of strings")
		}
		for _, k := range envMap.ObjectValue().StableKeys() {
			v := envMap.ObjectValue()[k]
			if !v.IsString() {
				return "", "", fmt.Errorf("environment.%s must be a string", k)
			}
			if err := session.Setenv(string(k), v.StringValue()); err != nil {
				return "", "", p.setenvRefused(ctx, urn, diag.Error, string(k), err)
			}
		}
	}
	addPrev := true
	if v, ok := in["addPreviousOutputInEnv"]; ok && plain(v).IsBool() {
		addPrev = plain(v).BoolValue()
	}
	if addPrev {
		// As upstream: optimistic, a refusal only warns.
		for _, e := range [][2]string{{envStdout, prevOut}, {envStderr, prevErr}} {
			if e[1] == "" {
				continue
			}
			if err := session.Setenv(e[0], e[1]); err != nil {
				_ = p.setenvRefused(ctx, urn, diag.Warning, e[0], err)
			}
		}
	}
	if stdin, ok := stringInput(in, "stdin"); ok && stdin != "" {
		session.Stdin = strings.NewReader(stdin)
	}

	logging := "stdoutAndStderr"
	if l, ok := stringInput(in, "logging"); ok {
		logging = l
	}
	var stdoutBuf, stderrBuf bytes.Buffer
	var both lockedBuffer // what the error quotes: both streams, interleaved, as upstream
	logger := &lineLogger{emit: status}
	outWriters := []io.Writer{&stdoutBuf, &both}
	if logging == "stdout" || logging == "stdoutAndStderr" {
		outWriters = append(outWriters, logger)
	}
	errWriters := []io.Writer{&stderrBuf, &both}
	if logging == "stderr" || logging == "stdoutAndStderr" {
		errWriters = append(errWriters, logger)
	}
	session.Stdout = io.MultiWriter(outWriters...)
	session.Stderr = io.MultiWriter(errWriters...)

	err = session.Run(cmd)
	logger.flush()
	if err != nil {
		return "", "", fmt.Errorf("%w: running %q:\n%s", err, cmd, both.b.String())
	}
	return strings.TrimSuffix(stdoutBuf.String(), "\n"), strings.TrimSuffix(stderrBuf.String(), "\n"), nil
}

// setenvRefused logs and words a refused environment variable as upstream's logAndWrapSetenvErr does.
func (p *commandProvider) setenvRefused(ctx context.Context, urn resource.URN, sev diag.Severity, key string, err error) error {
	_ = p.host.Log(ctx, sev, urn, fmt.Sprintf("Unable to set '%s'. This only works if your SSH server is "+
		"configured to accept these variables via AcceptEnv.", key))
	return fmt.Errorf("could not set environment variable %q: %w", key, err)
}

// ---------------------------------------------------------------- schema

// A minimal schema for what this stand-in implements (the npm package ships no schema.json; the
// Node.js SDK does not need one at run time).
var schemaJSON = func() string {
	str := map[string]any{"type": "string"}
	strSecret := map[string]any{"type": "string", "secret": true}
	num := map[string]any{"type": "number"}
	integer := map[string]any{"type": "integer"}
	connProps := map[string]any{
		"host": str, "port": num, "user": str, "password": strSecret, "privateKey": strSecret,
		"privateKeyPassword": strSecret, "hostKey": str, "agentSocketPath": str,
		"dialErrorLimit": integer, "perDialTimeout": integer,
		"proxy": map[string]any{"$ref": "#/types/command:remote:ProxyConnection"},
	}
	cmdInputs := map[string]any{
		"connection":             map[string]any{"$ref": "#/types/command:remote:Connection", "secret": true},
		"create":                 str,
		"update":                 str,
		"delete":                 str,
		"stdin":                  str,
		"environment":            map[string]any{"type": "object", "additionalProperties": str},
		"triggers":               map[string]any{"type": "array", "items": map[string]any{"$ref": "pulumi.json#/Any"}, "replaceOnChanges": true},
		"logging":                map[string]any{"$ref": "#/types/command:remote:Logging"},
		"addPreviousOutputInEnv": map[string]any{"type": "boolean"},
	}
	cmdOutputs := map[string]any{"stdout": str, "stderr": str}
	for k, v := range cmdInputs {
		cmdOutputs[k] = v
	}
	s := map[string]any{
		"name":        providerName,
		"version":     providerVersion,
		"description": "kube-ceph lab stand-in for the Pulumi command provider (command:remote:Command only)",
		"types": map[string]any{
			"command:remote:Connection": map[string]any{"type": "object", "properties": connProps, "required": []string{"host"}},
			"command:remote:ProxyConnection": map[string]any{"type": "object", "properties": map[string]any{
				"host": str, "port": num, "user": str, "password": strSecret, "privateKey": strSecret,
			}, "required": []string{"host"}},
			"command:remote:Logging": map[string]any{"type": "string", "enum": []map[string]any{
				{"value": "stdout"}, {"value": "stderr"}, {"value": "stdoutAndStderr"}, {"value": "none"},
			}},
		},
		"resources": map[string]any{
			remoteCommand: map[string]any{
				"inputProperties": cmdInputs,
				"requiredInputs":  []string{"connection"},
				"properties":      cmdOutputs,
				"required":        []string{"connection", "stdout", "stderr"},
			},
		},
	}
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}()
