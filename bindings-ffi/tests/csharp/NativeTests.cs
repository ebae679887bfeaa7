// Drives the PowerShell module's native layer (powershell/MsiIdentity/MsiIdentity.Native.cs, compiled into this
// program with mcs) against the real libmsi_identity and an emulator it starts itself. Run by bindings-ffi/test.sh
// under Mono: `mcs -out:t.exe MsiIdentity.Native.cs NativeTests.cs && LD_LIBRARY_PATH=target/debug mono t.exe`.
// The last line is "N passed, M failed".
using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using MsiIdentity.Native;

internal static class NativeTests
{
    private static int passed;
    private static int failed;

    private static void Check(bool ok, string what)
    {
        if (ok)
        {
            passed++;
        }
        else
        {
            failed++;
            Console.Error.WriteLine("FAIL " + what);
        }
    }

    private static void Test(string name, Action body)
    {
        int before = failed;
        try
        {
            body();
        }
        catch (Exception e)
        {
            failed++;
            Console.Error.WriteLine("FAIL " + name + ": " + e);
        }
        Console.Error.WriteLine((failed == before ? "ok   " : "FAIL ") + name);
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv(string name, string value, int overwrite);

    [DllImport("libc", EntryPoint = "unsetenv")]
    private static extern int UnsetEnv(string name);

    /// <summary>A SecureString's text, for the checks only.</summary>
    private static string Reveal(SecureString s)
    {
        IntPtr p = Marshal.SecureStringToGlobalAllocUnicode(s);
        try
        {
            return Marshal.PtrToStringUni(p);
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(p);
        }
    }

    private static MsiException Throws(Action body)
    {
        try
        {
            body();
        }
        catch (MsiException e)
        {
            return e;
        }
        return null;
    }

    /// <summary>The first string value of "key" in compact JSON (enough for these tests).</summary>
    private static string Field(string json, string key)
    {
        Match m = Regex.Match(json ?? "", "\"" + Regex.Escape(key) + "\":\"((?:[^\"\\\\]|\\\\.)*)\"");
        return m.Success ? Regex.Unescape(m.Groups[1].Value) : null;
    }

    private static string Snake(string pascal)
    {
        return Regex.Replace(pascal, "(?<=[a-z0-9])([A-Z])", "_$1").ToLowerInvariant();
    }

    private static int Main(string[] args)
    {
        Loader.Load(args.Length > 0 ? args[0] : null);
        MsiEmulator emulator = MsiEmulator.Start(null, 0, 0, true, "off");
        string info = emulator.Info();
        MsiClient client = emulator.NewClient();
        string rg = "cs-rg";
        client.GroupCreate(rg, "westus");

        Test("result enum matches the library's names and numbers", delegate
        {
            foreach (MsiResult r in Enum.GetValues(typeof(MsiResult)))
            {
                string name = Interop.Utf8(NativeMethods.msi_result_name((int)r));
                Check(name == Snake(r.ToString()), "msi_result_name(" + r + ") = " + name);
            }
            Check(NativeMethods.msi_result_name(999) == IntPtr.Zero, "unknown result has no name");
            Check(Interop.Utf8(NativeMethods.msi_version()).Split('.').Length == 3, "version");
        });

        Test("emulator info", delegate
        {
            Check(Field(info, "endpoint").StartsWith("https://127.0.0.1:"), "endpoint");
            Check(File.ReadAllText(Field(info, "caCertPath")).Contains("BEGIN CERTIFICATE"), "CA file");
            Check(Field(info, "adminClientSecret") != null, "admin secret");
            Check(emulator.IsRunning, "running");
        });

        Test("connect with settings, non-ASCII round trip", delegate
        {
            string pem = File.ReadAllText(Field(info, "caCertPath"));
            using (MsiClient c = MsiClient.Connect(Field(info, "endpoint"), Field(info, "subscriptionId"),
                                                   Field(info, "tenantId"), Field(info, "adminClientId"),
                                                   Field(info, "adminClientSecret"), null, pem, null, 1, false))
            {
                Check(c.Info().Contains(Field(info, "subscriptionId")), "client info");
                string group = "grüße-日本-cs";
                string g = c.GroupCreate(group, "West US");
                Check(Field(g, "name") == group, "non-ASCII name back: " + Field(g, "name"));
                Check(Field(c.GroupGet(group), "location") == "westus", "normalised location");
            }
        });

        Test("connect errors are MsiExceptions", delegate
        {
            MsiException e = Throws(delegate { MsiClient.Connect("https://127.0.0.1:1", null, null, null, null, null, null, null, 0, false); });
            Check(e != null && e.Result == MsiResult.InvalidArgument && e.Kind == "invalid_argument", "no subscription");
            e = Throws(delegate { MsiClient.Connect(null, "s", "t", "c", "secret-value", null, "not a pem", null, 0, false); });
            Check(e != null && e.Result == MsiResult.InvalidArgument && !e.Message.Contains("secret-value"), "bad PEM");
        });

        Test("VM identity: create, assign, remove, desired state, extension", delegate
        {
            string uai = client.UserIdentityCreate(rg, "cs-uai", null, "{\"owner\":\"Zoë\"}");
            string uaiId = Field(uai, "id");
            Check(Field(uai, "owner") == "Zoë", "tags round trip");
            string vm = client.CreateBasic(ComputeKind.VirtualMachine, rg, "vm1", "{\"image\":\"Win2016Datacenter\",\"identityType\":\"SystemAssigned\"}");
            Check(vm.Contains("\"type\":\"SystemAssigned\""), "created with system identity");
            string vmId = Field(vm, "id");
            bool changed;
            string granted;
            string after = client.IdentityAssign(ComputeKind.VirtualMachine, rg, "vm1", "{\"identities\":[\"cs-uai\"]}", out changed, out granted);
            Check(changed && after.Contains("\"type\":\"SystemAssigned, UserAssigned\"") && granted == null, "assign by name");
            client.IdentityAssign(ComputeKind.VirtualMachine, null, vmId, "{\"identities\":[\"" + uaiId + "\"]}", out changed, out granted);
            Check(!changed, "assign again: no change");
            string scope = "/subscriptions/" + Field(info, "subscriptionId") + "/resourceGroups/" + rg;
            client.IdentityAssign(ComputeKind.VirtualMachine, rg, "vm1", "{\"role\":\"Reader\",\"scope\":\"" + scope + "\"}", out changed, out granted);
            Check(granted != null && granted.Contains("acdd72a7-3385-48ef-bd42-f606fba81ae7"), "assign with a role");
            after = client.IdentityRemove(ComputeKind.VirtualMachine, rg, "vm1", "{\"identities\":[\"cs-uai\"]}", out changed);
            Check(changed && after.Contains("\"type\":\"SystemAssigned\""), "remove");
            client.IdentitySet(ComputeKind.VirtualMachine, rg, "vm1", "{\"type\":\"None\"}", out changed);
            Check(changed && client.IdentityShow(ComputeKind.VirtualMachine, rg, "vm1") == "null", "set None");
            MsiException e = Throws(delegate { bool c; client.IdentitySet(ComputeKind.VirtualMachine, rg, "vm1", "{\"type\":\"UserAssigned\",\"identities\":[]}", out c); });
            Check(e != null && e.Result == MsiResult.InvalidArgument, "UserAssigned without identities");
            string ext = client.ExtensionSet(ComputeKind.VirtualMachine, rg, "vm1",
                                             "{\"name\":\"ManagedIdentityExtensionForWindows\",\"type\":\"ManagedIdentityExtensionForWindows\"," +
                                             "\"publisher\":\"Microsoft.ManagedIdentity\",\"version\":\"1.0\",\"settings\":{\"port\":43210}}");
            Check(ext.Contains("\"port\":43210"), "extension set");
            Check(client.ExtensionGet(ComputeKind.VirtualMachine, rg, "vm1", "ManagedIdentityExtensionForWindows").Contains("Microsoft.ManagedIdentity"), "extension get");
            Check(client.ExtensionDelete(ComputeKind.VirtualMachine, rg, "vm1", "ManagedIdentityExtensionForWindows"), "extension delete");
            Check(!client.ExtensionDelete(ComputeKind.VirtualMachine, rg, "vm1", "ManagedIdentityExtensionForWindows"), "extension delete again");
            Check(client.ComputeGet(ComputeKind.VirtualMachine, null, vmId).Contains("\"vmId\""), "get by id");
            Check(client.ComputeDelete(ComputeKind.VirtualMachine, rg, "vm1"), "delete");
            e = Throws(delegate { client.ComputeGet(ComputeKind.VirtualMachine, rg, "vm1"); });
            Check(e != null && e.Result == MsiResult.NotFound && e.Status == 404 && e.ErrorCode == "ResourceNotFound" && e.RequestId != null, "not found fields");
        });

        Test("scale set with a whole model", delegate
        {
            string model = "{\"sku\":{\"name\":\"Standard_B1s\",\"capacity\":1},\"properties\":{\"upgradePolicy\":{\"mode\":\"Manual\"}}}";
            string ss = client.Create(ComputeKind.VirtualMachineScaleSet, rg, "ss1", model, "{\"identityType\":\"UserAssigned\",\"assignIdentity\":[\"cs-uai\"]}");
            Check(ss.Contains("\"type\":\"UserAssigned\""), "vmss created");
            MsiException e = Throws(delegate { client.Create(ComputeKind.VirtualMachineScaleSet, rg, "ss1", model, null); });
            Check(e != null && e.Result == MsiResult.Conflict, "no overwrite");
            e = Throws(delegate { client.Create(ComputeKind.VirtualMachineScaleSet, rg, "ss2", "{oops", null); });
            Check(e != null && e.Result == MsiResult.InvalidJson && e.Kind == "invalid_json", "invalid JSON");
            bool changed;
            string granted;
            client.IdentityAssign(ComputeKind.VirtualMachineScaleSet, rg, "ss1", null, out changed, out granted);
            Check(changed, "vmss assign: no identities named is the system-assigned one");
            Check(client.ExtensionSet(ComputeKind.VirtualMachineScaleSet, rg, "ss1", "{\"type\":\"ManagedIdentityExtensionForLinux\"}").Contains("ManagedIdentityExtensionForLinux"), "vmss extension");
            Check(client.ComputeDelete(ComputeKind.VirtualMachineScaleSet, rg, "ss1"), "vmss delete");
        });

        Test("user identities and role assignments", delegate
        {
            string list = client.UserIdentityList(rg);
            Check(list.StartsWith("[") && list.Contains("cs-uai"), "list in group");
            Check(client.UserIdentityList(null).Contains("cs-uai"), "list in subscription");
            string uai = client.UserIdentityGet(rg, "cs-uai");
            string principal = Field(uai, "principalId");
            string scope = "/subscriptions/" + Field(info, "subscriptionId") + "/resourceGroups/" + rg;
            string ra = client.RoleAssignmentCreate(scope, "Reader", principal, null);
            Check(ra.Contains("acdd72a7-3385-48ef-bd42-f606fba81ae7"), "Reader granted");
            Check(client.RoleAssignmentList(scope, null).Contains(principal), "listed");
            Check(client.RoleAssignmentDeleteMatching(scope, principal, "Reader").Contains("\"deleted\":true"), "deleted matching");
            ra = client.RoleAssignmentCreate(scope, "Reader", principal, "ServicePrincipal");
            Check(client.RoleAssignmentDelete(Field(ra, "id")), "deleted by id");
            ra = client.RoleAssignmentCreate(null, "Reader", principal, null);
            Check(ra.Contains("\"scope\":\"/subscriptions/" + Field(info, "subscriptionId") + "\""), "no scope: the subscription (core's default)");
            Check(client.RoleAssignmentDelete(Field(ra, "id")), "deleted at the subscription");
            Check(client.UserIdentityDelete(null, Field(uai, "id")), "identity deleted by id");
            Check(!client.UserIdentityDelete(rg, "cs-uai"), "identity delete again");
        });

        Test("desired state: plan, apply with events, a second apply unchanged, a bad file refused", delegate
        {
            string g = "cs-desired";
            client.GroupCreate(g, "westus");
            client.UserIdentityCreate(g, "id-web", null, null);
            client.CreateBasic(ComputeKind.VirtualMachine, g, "vm1", "{\"image\":\"UbuntuLTS\"}");
            string file = "targets:\n  - kind: vm\n    resourceGroup: " + g + "\n    identity:\n      systemAssigned: true\n" +
                          "      userAssigned: {exactly: [id-web]}\n";
            string plan = client.PlanDesired(file, "identities.yaml", null);
            Check(plan.Contains("\"changes\":true") && plan.Contains("\"status\":\"create\"") && plan.Contains("1 to create"), "plan: " + plan);
            Check(!client.IdentityShow(ComputeKind.VirtualMachine, g, "vm1").Contains("SystemAssigned"), "the plan writes nothing");
            int results = 0, changed = 0, progress = 0;
            string summary = client.ApplyDesired(file, null, "{\"concurrency\":2}", delegate(string ev)
            {
                if (ev.Contains("\"type\":\"progress\"")) { progress++; return true; }
                results++;
                if (ev.Contains("\"status\":\"changed\"")) changed++;
                return true;
            });
            Check(results == 1 && changed == 1 && progress > 0 && summary.Contains("\"stopped\":false"), "apply: " + summary);
            Check(client.IdentityShow(ComputeKind.VirtualMachine, g, "vm1").Contains("SystemAssigned, UserAssigned"), "applied");
            int unchanged = 0;
            client.ApplyDesired(file, null, null, delegate(string ev)
            {
                if (ev.Contains("\"status\":\"unchanged\"")) unchanged++;
                return true;
            });
            Check(unchanged == 1 && client.PlanDesired(file, null, null).Contains("\"changes\":false"), "a second apply changes nothing");
            MsiException e = Throws(delegate { client.PlanDesired(file.Replace("true", "yes!"), "fleet.yaml", null); });
            Check(e != null && e.Result == MsiResult.InvalidArgument && e.Message.Contains("fleet.yaml:5:") &&
                  e.Message.Contains("targets[0].identity.systemAssigned"), "bad file: " + (e == null ? "no error" : e.Message));
            int events = 0;
            e = Throws(delegate { client.ApplyDesired(file.Replace("exactly", "exactli"), null, null, delegate(string ev) { events++; return true; }); });
            Check(e != null && e.Result == MsiResult.InvalidArgument && events == 0 && e.Message.Contains("exactli"), "bad file: no event");
        });

        Test("managed-identity tokens", delegate
        {
            client.UserIdentityCreate(rg, "cs-uai-2", null, null);
            string vm = client.CreateBasic(ComputeKind.VirtualMachine, rg, "vm-mi", "{\"assignIdentity\":[\"[system]\",\"cs-uai-2\"]}");
            string vmId = Field(vm, "id");
            string baseUrl = emulator.ImdsBaseUrl(vmId, -1);
            long expires;
            using (MsiManagedIdentityCredential c = MsiManagedIdentityCredential.Imds(baseUrl, null, null, null))
            {
                string token = c.GetToken("https://management.azure.com/", out expires);
                Check(token.Split('.').Length == 3 && expires > 1700000000, "IMDS token");
                MsiAccessToken secure = c.GetAccessToken("https://management.azure.com/");
                Check(Reveal(secure.Token) == token && secure.TenantId == Field(info, "tenantId") && secure.Type == "Bearer", "IMDS token as a SecureString (cached)");
            }
            string uaiClientId = Field(client.UserIdentityGet(rg, "cs-uai-2"), "clientId");
            using (MsiManagedIdentityCredential c = MsiManagedIdentityCredential.Imds(baseUrl, uaiClientId, null, null))
            {
                Check(c.GetToken("https://vault.azure.net", out expires).Length > 100, "user-assigned by client id");
            }
            using (MsiManagedIdentityCredential c = MsiManagedIdentityCredential.Imds(baseUrl, "00000000-0000-0000-0000-000000000009", null, null))
            {
                MsiException e = Throws(delegate { long x; c.GetToken("https://management.azure.com/", out x); });
                Check(e != null && e.Result == MsiResult.CredentialUnavailable && e.ErrorCode == "invalid_request" && e.Status == 400, "not assigned");
            }
            string env = emulator.AppServiceEnv(vmId);
            using (MsiManagedIdentityCredential c = MsiManagedIdentityCredential.AppService(Field(env, "IDENTITY_ENDPOINT"), Field(env, "IDENTITY_HEADER"), null, null, null))
            {
                Check(c.GetToken("https://management.azure.com/", out expires).Length > 100, "App Service token");
            }
            using (MsiManagedIdentityCredential c = MsiManagedIdentityCredential.MsiExtension(baseUrl, null, null, null))
            {
                MsiException e = Throws(delegate { long x; c.GetToken("https://management.azure.com/", out x); });
                Check(e != null && e.ErrorCode == "unauthorized_client", "no MSI extension yet");
            }
            MsiManagedIdentityCredential.FromEnvironment(null, null, null).Dispose();
            MsiException two = Throws(delegate { MsiManagedIdentityCredential.Imds(baseUrl, "a", "b", null); });
            Check(two != null && two.Result == MsiResult.InvalidArgument, "two selectors");
        });

        Test("the shipped MsiIdentity.Native.dll references mscorlib 4.0 only (Windows PowerShell 5.1 and PowerShell 7)", delegate
        {
            System.Reflection.AssemblyName[] refs = typeof(MsiClient).Assembly.GetReferencedAssemblies();
            Check(refs.Length == 1 && refs[0].Name == "mscorlib" && refs[0].Version.Major == 4, "references: " + refs.Length + " " + refs[0].FullName);
            Check(typeof(MsiClient).Assembly.GetName().Name == "MsiIdentity.Native", "assembly name");
        });

        Test("SecureString from the native copy, which is zeroed", delegate
        {
            byte[] utf8 = Encoding.UTF8.GetBytes("tök€n-🔑.x");
            IntPtr p = Marshal.AllocHGlobal(utf8.Length + 1);
            try
            {
                Marshal.Copy(utf8, 0, p, utf8.Length);
                Marshal.WriteByte(p, utf8.Length, 0);
                SecureString secure = Interop.SecureFromUtf8(p);
                Check(secure.IsReadOnly() && Reveal(secure) == "tök€n-🔑.x", "the SecureString holds the text");
                bool zeroed = true;
                for (int i = 0; i <= utf8.Length; i++)
                {
                    zeroed &= Marshal.ReadByte(p, i) == 0;
                }
                Check(zeroed, "the native copy is all zeros afterwards");
                Check(Interop.SecureFromUtf8(IntPtr.Zero) == null, "NULL is null");
            }
            finally
            {
                Marshal.FreeHGlobal(p);
            }
        });

        Test("Get-AzAccessToken's shape: the signed-in account's token as a SecureString", delegate
        {
            MsiAccessToken t = client.GetAccessToken(null);
            Check(t.Token != null && t.Token.IsReadOnly() && Reveal(t.Token).Split('.').Length == 3, "SecureString JWT");
            Check(t.TenantId == Field(info, "tenantId") && t.UserId == Field(info, "adminClientId"), "TenantId, UserId: " + t.TenantId + " " + t.UserId);
            Check(t.Type == "Bearer" && t.ExpiresOn > DateTimeOffset.UtcNow, "Type, ExpiresOn");
            Check(MsiClient.ResourceUrlForType("MSGraph") == "https://graph.microsoft.com/", "MSGraph");
            Check(client.GetAccessToken(MsiClient.ResourceUrlForType("KeyVault")).Token.Length > 100, "KeyVault by type");
            MsiException e = Throws(delegate { MsiClient.ResourceUrlForType("Nope"); });
            Check(e != null && e.Result == MsiResult.InvalidArgument && e.Message.Contains("Synapse"), "unknown type");
            using (MsiClient c = MsiClient.Connect(Field(info, "endpoint"), Field(info, "subscriptionId"), null, null, null,
                                                   "opaque-static-token", File.ReadAllText(Field(info, "caCertPath")), null, 0, false))
            {
                MsiAccessToken s = c.GetAccessToken(null);
                Check(Reveal(s.Token) == "opaque-static-token" && s.TenantId == null && s.UserId == null, "a token given as is");
                Check(s.ExpiresOn == DateTimeOffset.MaxValue, "no known expiry");
            }
        });

        Test("Connect-AzAccount -Identity: the VM's identity signs in; -AccountId selects a user-assigned one", delegate
        {
            string vm = client.CreateBasic(ComputeKind.VirtualMachine, rg, "vm-connect", "{\"identityType\":\"SystemAssigned\"}");
            string scope = "/subscriptions/" + Field(info, "subscriptionId") + "/resourceGroups/" + rg;
            client.RoleAssignmentCreate(scope, "Reader", Field(vm, "principalId"), "ServicePrincipal");
            SetEnv("AZURE_POD_IDENTITY_AUTHORITY_HOST", emulator.ImdsBaseUrl(Field(vm, "id"), -1), 1);
            UnsetEnv("AZURE_CLIENT_ID");
            try
            {
                string pem = File.ReadAllText(Field(info, "caCertPath"));
                using (MsiClient mi = MsiClient.ConnectManagedIdentity(Field(info, "endpoint"), Field(info, "subscriptionId"), null, pem, 0))
                {
                    Check(Field(mi.GroupGet(rg), "name") == rg, "reads the group it has Reader on");
                    MsiException denied = Throws(delegate { mi.UserIdentityCreate(rg, "denied", null, null); });
                    Check(denied != null && denied.Result == MsiResult.Authorization, "Reader cannot write");
                    MsiAccessToken t = mi.GetAccessToken(null);
                    Check(t.TenantId == Field(info, "tenantId") && t.UserId != null, "the identity's token names its tenant");
                }
                using (MsiClient other = MsiClient.ConnectManagedIdentity(Field(info, "endpoint"), Field(info, "subscriptionId"),
                                                                          "00000000-0000-0000-0000-00000000000b", pem, 0))
                {
                    MsiException e = Throws(delegate { other.GroupGet(rg); });
                    Check(e != null && e.Result == MsiResult.CredentialUnavailable, "an identity the VM does not have");
                }
            }
            finally
            {
                UnsetEnv("AZURE_POD_IDENTITY_AUTHORITY_HOST");
            }
        });

        Test("-ProtectedSettings: refused for the MSI extension unless empty, never echoed", delegate
        {
            client.CreateBasic(ComputeKind.VirtualMachine, rg, "vm-ext-ps", null);
            string ok = client.ExtensionSet(ComputeKind.VirtualMachine, rg, "vm-ext-ps", "{\"type\":\"ManagedIdentityExtensionForWindows\",\"protectedSettings\":{}}");
            Check(ok.Contains("ManagedIdentityExtensionForWindows") && !ok.Contains("protectedSettings"), "empty: accepted, not sent");
            MsiException e = Throws(delegate
            {
                client.ExtensionSet(ComputeKind.VirtualMachine, rg, "vm-ext-ps", "{\"type\":\"ManagedIdentityExtensionForWindows\",\"protectedSettings\":{\"k\":\"hunter2-cs\"}}");
            });
            Check(e != null && e.Result == MsiResult.InvalidArgument && !e.Message.Contains("hunter2"), "refused, unechoed");
        });

        Test("null arguments through the DllImports", delegate
        {
            IntPtr json, error;
            MsiResult r = NativeMethods.msi_group_get(client.Handle, null, out json, out error);
            MsiException e = MsiException.Take(r, error);
            Check(r == MsiResult.NullArgument && e.Kind == "null_argument" && e.Message.Contains("name"), "NULL name");
            Check(NativeMethods.msi_error_result(IntPtr.Zero) == MsiResult.NullArgument, "NULL error object");
            NativeMethods.msi_string_free(IntPtr.Zero);
            NativeMethods.msi_error_free(IntPtr.Zero);
        });

        Test("one client, eight threads", delegate
        {
            int ok = 0;
            List<Thread> threads = new List<Thread>();
            for (int i = 0; i < 8; i++)
            {
                Thread t = new Thread(delegate ()
                {
                    for (int j = 0; j < 5; j++)
                    {
                        if (client.GroupGet(rg).Contains(rg))
                        {
                            Interlocked.Increment(ref ok);
                        }
                    }
                });
                threads.Add(t);
                t.Start();
            }
            foreach (Thread t in threads)
            {
                t.Join();
            }
            Check(ok == 40, "40 reads, got " + ok);
        });

        Test("SafeHandles: dispose once, use after dispose is refused", delegate
        {
            MsiClient c = emulator.NewClient();
            c.Dispose();
            c.Dispose();
            bool refused = false;
            try
            {
                c.GroupGet(rg);
            }
            catch (ObjectDisposedException)
            {
                refused = true;
            }
            Check(refused, "ObjectDisposedException after Dispose");
        });

        Test("stop the emulator", delegate
        {
            MsiEmulator second = MsiEmulator.Start(null, 0, 0, false, null);
            MsiClient c = MsiClient.Connect(Field(second.Info(), "endpoint"), Field(second.Info(), "subscriptionId"),
                                            Field(second.Info(), "tenantId"), Field(second.Info(), "adminClientId"),
                                            Field(second.Info(), "adminClientSecret"), null,
                                            File.ReadAllText(Field(second.Info(), "caCertPath")), null, 0, false);
            c.GroupCreate("g", "eastus");
            second.Stop();
            Check(!second.IsRunning, "stopped");
            MsiException e = Throws(delegate { c.GroupGet("g"); });
            Check(e != null && e.Result == MsiResult.Connection, "connection error after stop");
            c.Dispose();
        });

        client.Dispose();
        emulator.Dispose();
        Console.WriteLine(passed + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }
}
