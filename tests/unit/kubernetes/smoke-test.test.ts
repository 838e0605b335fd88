import test from "ava";
import { smokeTestFailure } from "../../../components/kubernetes";

test("a timed-out claim is explained by its events: the write-up's missing rbd binary gets the fix", (t) => {
    const message = smokeTestFailure("claim default/ceph-test-claim is Pending, not Bound", 60, [
        { object: "PersistentVolumeClaim default/ceph-test-claim", type: "Warning", reason: "ProvisioningFailed", message: 'Failed to provision volume with StorageClass "ceph-storageclass": failed to create rbd image: executable file not found in $PATH, command output: ' },
    ]);
    t.regex(message, /^kube-ceph smoke test: claim default\/ceph-test-claim is Pending, not Bound after 60 s\./);
    t.regex(message, /PersistentVolumeClaim default\/ceph-test-claim: Warning ProvisioningFailed: Failed to provision volume .*executable file not found in \$PATH/);
    t.regex(message, /What to do: .*give kube-controller-manager the rbd binary.*or set kube-ceph:provisioner\.kind to csi/);
});

test("a pod that never got ready is explained by the pod's events; unknown causes point at the provisioner", (t) => {
    const message = smokeTestFailure("pod default/ceph-test-claim-pod is not Ready", 300, [
        { object: "Pod default/ceph-test-claim-pod", type: "Warning", reason: "FailedMount", message: "MountVolume.WaitForAttach failed: rbd: map failed exit status 110, rbd output: libceph: mon1 feature set mismatch" },
    ]);
    t.regex(message, /Pod default\/ceph-test-claim-pod: Warning FailedMount: MountVolume\.WaitForAttach failed/);
    t.regex(message, /What to do: a node's kernel cannot map the image/);
    const silent = smokeTestFailure("claim default/c is Pending, not Bound", 10, []);
    t.regex(silent, /There are no events about it\./);
    t.regex(silent, /Look at the provisioner's logs/);
});
