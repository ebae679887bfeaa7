//! The examples of the long help (`msi vm identity assign --help`), az-style: what it does, then the command.
//! Written for `vm`; the `vmss` commands show the same with `vmss` (see `args::command`).

pub const GROUP_CREATE: &str = "\
Examples:
  Create a resource group in West US.
    msi group create --name myResourceGroup --location westus";

pub const CREATE: &str = "\
Examples:
  Create a Windows VM with its system-assigned identity on.
    msi vm create -g myResourceGroup -n myVM --image Win2016Datacenter --admin-username azureuser --admin-password 'myPassword12' --assign-identity
  Create a Linux VM with a user-assigned identity and the system-assigned one.
    msi vm create -g myResourceGroup -n myVM --image Ubuntu2204 --generate-ssh-keys --assign-identity myUserAssignedIdentity [system]
  Start creating, and return once Azure has accepted the request.
    msi vm create -g myResourceGroup -n myVM --no-wait";

pub const LIST: &str = "\
Examples:
  List the VMs of a resource group, as a table.
    msi vm list -g myResourceGroup -o table
  The names and identity types of every VM in the subscription.
    msi vm list --query \"[].{name:name, identity:identity.type}\"";

pub const DELETE: &str = "\
Examples:
  Delete a VM, without the confirmation prompt.
    msi vm delete -g myResourceGroup -n myVM --yes";

pub const UPDATE: &str = "\
Examples:
  Turn off every identity of a VM.
    msi vm update -n myVM -g myResourceGroup --set identity.type=none
  Keep only the system-assigned identity.
    msi vm update -n myVM -g myResourceGroup --set identity.type='SystemAssigned' identity.userAssignedIdentities=null";

pub const IDENTITY_ASSIGN: &str = "\
Examples:
  Enable the system-assigned identity on a VM.
    msi vm identity assign -g myResourceGroup -n myVM
  Attach a user-assigned identity.
    msi vm identity assign -g myResourceGroup -n myVM --identities myUserAssignedIdentity
  Enable the system-assigned identity and let it read the resource group.
    msi vm identity assign -g myResourceGroup -n myVM --role Reader --scope /subscriptions/SUB/resourceGroups/myResourceGroup
  The same on several VMs at once.
    msi vm identity assign --ids ID1 ID2";

pub const IDENTITY_REMOVE: &str = "\
Examples:
  Detach a user-assigned identity.
    msi vm identity remove -g myResourceGroup -n myVM --identities myUserAssignedIdentity
  Disable the system-assigned identity.
    msi vm identity remove -g myResourceGroup -n myVM";

pub const IDENTITY_SHOW: &str = "\
Examples:
  Show the identity of a VM; only its principal ID.
    msi vm identity show -g myResourceGroup -n myVM --query principalId -o tsv";

pub const EXTENSION_SET: &str = "\
Examples:
  Add the (legacy) managed identity extension to a Windows VM.
    msi vm extension set -g myResourceGroup --vm-name myVM -n ManagedIdentityExtensionForWindows --publisher Microsoft.ManagedIdentity --version 1.0 --settings '{\"port\": 50342}'";

pub const EXTENSION_DELETE: &str = "\
Examples:
  Remove the managed identity extension.
    msi vm extension delete -g myResourceGroup --vm-name myVM -n ManagedIdentityExtensionForWindows";

pub const EXTENSION_LIST: &str = "\
Examples:
  The names of a VM's extensions.
    msi vm extension list -g myResourceGroup --vm-name myVM --query \"[].name\"";

pub const UAI_CREATE: &str = "\
Examples:
  Create a user-assigned identity in the resource group's location.
    msi identity create -g myResourceGroup -n myUserAssignedIdentity
  Its client ID only.
    msi identity create -g myResourceGroup -n myUserAssignedIdentity --query clientId -o tsv";

pub const UAI_UPDATE: &str = "\
Examples:
  Replace the tags of a user-assigned identity.
    msi identity update -g myResourceGroup -n myUserAssignedIdentity --tags team=payments env=prod";

pub const ROLE_ASSIGNMENT_CREATE: &str = "\
Examples:
  Let a VM's system-assigned identity read its resource group.
    msi role assignment create --assignee-object-id PRINCIPAL_ID --role Reader --scope /subscriptions/SUB/resourceGroups/myResourceGroup";

pub const GET_ACCESS_TOKEN: &str = "\
Examples:
  On a VM: a token for ARM from the VM's managed identity.
    msi account get-access-token --identity --resource https://management.azure.com/
  The token alone, from the configured credential.
    msi account get-access-token --query accessToken -o tsv";

pub const COMPLETION: &str = "\
Examples:
  Bash, for this shell and every new one.
    source <(msi completion bash); echo 'source <(msi completion bash)' >> ~/.bashrc
  Zsh.
    msi completion zsh > \"${fpath[1]}/_msi\"
  Fish.
    msi completion fish > ~/.config/fish/completions/msi.fish
  PowerShell.
    msi completion powershell | Out-String | Invoke-Expression";

pub const PORTAL: &str = "\
Examples:
  The Identity blade of an embedded emulator (seeded with a group, a VM, a scale set and an identity).
    msi portal
  The same against the Azure (or emulator) msi is configured for, printing the URL only.
    msi --subscription \"My Subscription\" portal --no-browser
  A fixed port.
    msi portal --port 8080";

pub const PLAN: &str = "\
Examples:
  Show what would change, as a readable diff.
    msi plan -f identities.yaml
  The plan as JSON (per target: status create, update, noChange or error, and the field-level changes).
    msi plan -f identities.yaml -o json
  Alert on drift in CI: exit 2 when the targets are not as the file says.
    msi plan -f identities.yaml --detailed-exitcode
  A file (see docs/desired-state.md):
    targets:
      - kind: vm
        resourceGroup: myResourceGroup
        identity:
          systemAssigned: true
          userAssigned:
            exactly: [myUserAssignedIdentity]
        roles:
          - role: Reader
            scope: /subscriptions/SUB/resourceGroups/myResourceGroup
        msiExtension: absent";

pub const APPLY: &str = "\
Examples:
  Make the targets as the file says (a second run changes nothing).
    msi apply -f identities.yaml
  Work on 8 targets at a time.
    msi apply -f identities.yaml --concurrency 8";
