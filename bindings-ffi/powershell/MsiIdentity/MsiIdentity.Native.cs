// MsiIdentity.Native.cs: the native layer of the MsiIdentity PowerShell module, over libmsi_identity (the C ABI in
// bindings-ffi/include/msi_identity.h). Loaded by MsiIdentity.psm1 with Add-Type; compiled and tested with Mono's
// mcs by bindings-ffi/test.sh. Written for C# 5 / .NET Framework 4.7.2+ (Windows PowerShell 5.1) and .NET 6+
// (PowerShell 7): no newer syntax.
//
// Layers: NativeMethods (internal, one DllImport per header function, checked by the consistency test), SafeHandles
// whose ReleaseHandle calls the matching _free, MsiException built from the C error object, and small public classes
// (MsiClient, MsiEmulator, MsiManagedIdentityCredential) that the module's functions call. JSON goes through as
// text: the module converts it with ConvertFrom-Json.
using System;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using Microsoft.Win32.SafeHandles;

// The Mono-run tests (bindings-ffi/tests/csharp, assembly native_tests) drive the built MsiIdentity.Native.dll,
// internals included.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("native_tests")]

namespace MsiIdentity.Native
{
    /// <summary>The C MsiResult, one for one (names and numbers; checked by the consistency test).</summary>
    public enum MsiResult : int
    {
        Ok = 0,
        NullArgument = 1,
        InvalidUtf8 = 2,
        InvalidJson = 3,
        Panic = 4,
        InvalidArgument = 10,
        BadRequest = 11,
        NotFound = 12,
        Conflict = 13,
        Authentication = 14,
        Authorization = 15,
        CredentialUnavailable = 16,
        Throttled = 17,
        Service = 18,
        Connection = 19,
        Timeout = 20,
        Emulator = 30,
    }

    /// <summary>Which compute resource a call is about: selects msi_vm_* or msi_vmss_*.</summary>
    public enum ComputeKind
    {
        VirtualMachine,
        VirtualMachineScaleSet,
    }

    /// <summary>The C MsiBulkCallback: called for every event of a bulk change, on the thread that made the call;
    /// event_json is borrowed for the call. Nonzero stops the change.</summary>
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int BulkCallback(IntPtr user_data, IntPtr event_json);

    /// <summary>A failed call: the fields of the C error object (kind, HTTP status, service error code, message,
    /// request id, target) and its result code.</summary>
    public class MsiException : Exception
    {
        public MsiResult Result { get; private set; }
        /// <summary>Stable snake_case kind: not_found, authorization, credential_unavailable, null_argument, ...</summary>
        public string Kind { get; private set; }
        /// <summary>HTTP status, 0 when no service answered.</summary>
        public int Status { get; private set; }
        /// <summary>The service's error code (ResourceNotFound, LinkedAuthorizationFailed, invalid_request...), or null.</summary>
        public string ErrorCode { get; private set; }
        /// <summary>x-ms-request-id of the failed response, or null.</summary>
        public string RequestId { get; private set; }
        /// <summary>ARM error.target, or null.</summary>
        public string Target { get; private set; }

        public MsiException(MsiResult result, string kind, int status, string errorCode, string message,
                            string requestId, string target)
            : base(message)
        {
            Result = result;
            Kind = kind;
            Status = status;
            ErrorCode = errorCode;
            RequestId = requestId;
            Target = target;
        }

        /// <summary>Read and free the error object of a failed call.</summary>
        internal static MsiException Take(MsiResult result, IntPtr error)
        {
            if (error == IntPtr.Zero)
            {
                string name = Interop.Utf8(NativeMethods.msi_result_name((int)result));
                return new MsiException(result, name, 0, null, "msi_identity call failed: " + name, null, null);
            }
            try
            {
                return new MsiException(
                    NativeMethods.msi_error_result(error),
                    Interop.Utf8(NativeMethods.msi_error_kind(error)),
                    NativeMethods.msi_error_status(error),
                    Interop.Utf8(NativeMethods.msi_error_code(error)),
                    Interop.Utf8(NativeMethods.msi_error_message(error)),
                    Interop.Utf8(NativeMethods.msi_error_request_id(error)),
                    Interop.Utf8(NativeMethods.msi_error_target(error)));
            }
            finally
            {
                NativeMethods.msi_error_free(error);
            }
        }
    }

    /// <summary>Conversions at the boundary.</summary>
    internal static class Interop
    {
        /// <summary>A borrowed UTF-8 string (not freed); null for NULL.</summary>
        internal static string Utf8(IntPtr p)
        {
            if (p == IntPtr.Zero)
            {
                return null;
            }
            int n = 0;
            while (Marshal.ReadByte(p, n) != 0)
            {
                n++;
            }
            byte[] bytes = new byte[n];
            Marshal.Copy(p, bytes, 0, n);
            return Encoding.UTF8.GetString(bytes);
        }

        /// <summary>A string the library returned: read it, then free it with msi_string_free.</summary>
        internal static string Take(IntPtr p)
        {
            try
            {
                return Utf8(p);
            }
            finally
            {
                NativeMethods.msi_string_free(p);
            }
        }

        /// <summary>A SecureString of the NUL-terminated UTF-8 string at p, which is then overwritten with zeros in
        /// place (the caller still frees it). The text never becomes a managed string: the byte and char buffers it
        /// passes through are cleared too.</summary>
        internal static SecureString SecureFromUtf8(IntPtr p)
        {
            if (p == IntPtr.Zero)
            {
                return null;
            }
            int n = 0;
            while (Marshal.ReadByte(p, n) != 0)
            {
                n++;
            }
            byte[] bytes = new byte[n];
            char[] chars = null;
            try
            {
                Marshal.Copy(p, bytes, 0, n);
                chars = Encoding.UTF8.GetChars(bytes);
                SecureString secure = new SecureString();
                foreach (char c in chars)
                {
                    secure.AppendChar(c);
                }
                secure.MakeReadOnly();
                return secure;
            }
            finally
            {
                Array.Clear(bytes, 0, bytes.Length);
                if (chars != null)
                {
                    Array.Clear(chars, 0, chars.Length);
                }
                Marshal.Copy(new byte[n], 0, p, n);
            }
        }

        /// <summary>A token the library returned, as an MsiAccessToken: who it names (read natively, from the native
        /// copy), the SecureString, then the native copy wiped and freed.</summary>
        internal static MsiAccessToken TakeToken(IntPtr token, long expiresOn)
        {
            try
            {
                IntPtr json, error;
                string subject = Json(NativeMethods.msi_token_subject(token, out json, out error), json, error);
                SecureString secure = SecureFromUtf8(token);
                return new MsiAccessToken(secure, expiresOn, JsonField(subject, "tenantId"), JsonField(subject, "userId"),
                                          JsonField(subject, "type"));
            }
            finally
            {
                NativeMethods.msi_string_free(token);
            }
        }

        /// <summary>A top-level string field of the library's compact JSON ({"k":"v"} or {"k":null}), unescaped for
        /// the characters JSON escapes; null when absent or null.</summary>
        internal static string JsonField(string json, string key)
        {
            string needle = "\"" + key + "\":";
            int i = json == null ? -1 : json.IndexOf(needle, StringComparison.Ordinal);
            if (i < 0 || json.Length <= i + needle.Length || json[i + needle.Length] != '"')
            {
                return null;
            }
            StringBuilder sb = new StringBuilder();
            for (int j = i + needle.Length + 1; j < json.Length; j++)
            {
                char c = json[j];
                if (c == '"')
                {
                    return sb.ToString();
                }
                if (c == '\\' && j + 1 < json.Length)
                {
                    char e = json[++j];
                    switch (e)
                    {
                        case 'n': sb.Append('\n'); break;
                        case 't': sb.Append('\t'); break;
                        case 'r': sb.Append('\r'); break;
                        case 'b': sb.Append('\b'); break;
                        case 'f': sb.Append('\f'); break;
                        case 'u':
                            sb.Append((char)Convert.ToInt32(json.Substring(j + 1, 4), 16));
                            j += 4;
                            break;
                        default: sb.Append(e); break;
                    }
                }
                else
                {
                    sb.Append(c);
                }
            }
            return null;
        }

        internal static void Check(MsiResult result, IntPtr error)
        {
            if (result != MsiResult.Ok)
            {
                throw MsiException.Take(result, error);
            }
        }

        internal static string Json(MsiResult result, IntPtr json, IntPtr error)
        {
            Check(result, error);
            return Take(json);
        }
    }

    /// <summary>Makes DllImport("msi_identity") find the library at a given path: on .NET Core / .NET 5+
    /// (PowerShell 7) through NativeLibrary's import resolver (by reflection, so this file also compiles for
    /// .NET Framework), on Windows PowerShell 5.1 by loading it first with LoadLibrary, on Linux without
    /// NativeLibrary (Mono) by loading it first with dlopen (the library's SONAME then matches). Without a path the
    /// platform's search applies (PATH, LD_LIBRARY_PATH, DYLD_LIBRARY_PATH).</summary>
    public static class Loader
    {
        private static string path;
        private static bool registered;

        [DllImport("kernel32", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern IntPtr LoadLibraryW(string fileName);

        [DllImport("libdl.so.2", EntryPoint = "dlopen")]
        private static extern IntPtr DlOpen(string fileName, int flags);

        public static string LibraryPath { get { return path; } }

        public static void Load(string libraryPath)
        {
            path = libraryPath;
            if (registered)
            {
                return;
            }
            Type nativeLibrary = typeof(object).Assembly.GetType("System.Runtime.InteropServices.NativeLibrary");
            Type resolverType = typeof(object).Assembly.GetType("System.Runtime.InteropServices.DllImportResolver");
            if (nativeLibrary != null && resolverType != null)
            {
                MethodInfo set = nativeLibrary.GetMethod("SetDllImportResolver");
                MethodInfo resolve = typeof(Loader).GetMethod("Resolve", BindingFlags.NonPublic | BindingFlags.Static);
                set.Invoke(null, new object[] { typeof(NativeMethods).Assembly, Delegate.CreateDelegate(resolverType, resolve) });
                registered = true;
            }
            else if (Environment.OSVersion.Platform == PlatformID.Win32NT && libraryPath != null)
            {
                if (LoadLibraryW(libraryPath) == IntPtr.Zero)
                {
                    throw new DllNotFoundException("cannot load " + libraryPath + " (error " + Marshal.GetLastWin32Error() + ")");
                }
                registered = true;
            }
            else if (Environment.OSVersion.Platform == PlatformID.Unix && libraryPath != null)
            {
                const int RTLD_NOW = 2;
                if (DlOpen(libraryPath, RTLD_NOW) == IntPtr.Zero)
                {
                    throw new DllNotFoundException("cannot load " + libraryPath);
                }
                registered = true;
            }
        }

        private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
        {
            if (name != NativeMethods.Library || path == null)
            {
                return IntPtr.Zero;
            }
            Type nativeLibrary = typeof(object).Assembly.GetType("System.Runtime.InteropServices.NativeLibrary");
            MethodInfo load = nativeLibrary.GetMethod("Load", new Type[] { typeof(string) });
            return (IntPtr)load.Invoke(null, new object[] { path });
        }
    }

    /// <summary>Base of the handles: owns one native handle and frees it once.</summary>
    public abstract class MsiHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        protected MsiHandle() : base(true)
        {
        }

        internal void Adopt(IntPtr value)
        {
            SetHandle(value);
        }
    }

    /// <summary>An MsiClient*; ReleaseHandle calls msi_client_free.</summary>
    public sealed class ClientHandle : MsiHandle
    {
        protected override bool ReleaseHandle()
        {
            NativeMethods.msi_client_free(handle);
            return true;
        }
    }

    /// <summary>An MsiSettings*; ReleaseHandle calls msi_settings_free.</summary>
    public sealed class SettingsHandle : MsiHandle
    {
        protected override bool ReleaseHandle()
        {
            NativeMethods.msi_settings_free(handle);
            return true;
        }
    }

    /// <summary>An MsiEmulator*; ReleaseHandle calls msi_emulator_free (which stops it).</summary>
    public sealed class EmulatorHandle : MsiHandle
    {
        protected override bool ReleaseHandle()
        {
            NativeMethods.msi_emulator_free(handle);
            return true;
        }
    }

    /// <summary>An MsiManagedIdentityCredential*; ReleaseHandle calls msi_managed_identity_credential_free.</summary>
    public sealed class CredentialHandle : MsiHandle
    {
        protected override bool ReleaseHandle()
        {
            NativeMethods.msi_managed_identity_credential_free(handle);
            return true;
        }
    }

    /// <summary>The C functions, one DllImport each, in header order.</summary>
    internal static class NativeMethods
    {
        internal const string Library = "msi_identity";

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr msi_version();

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void msi_string_free(IntPtr s);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_error_result(IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr msi_error_kind(IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int msi_error_status(IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr msi_error_code(IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr msi_error_message(IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr msi_error_request_id(IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr msi_error_target(IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void msi_error_free(IntPtr error);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr msi_result_name(int result);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_settings_new(out IntPtr settings_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void msi_settings_free(IntPtr settings);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_settings_set_endpoint(SettingsHandle settings, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_settings_set_subscription_id(SettingsHandle settings, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_settings_set_tenant_id(SettingsHandle settings, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_settings_set_client_id(SettingsHandle settings, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_settings_set_client_secret(SettingsHandle settings, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_settings_set_authority(SettingsHandle settings, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_settings_set_access_token(SettingsHandle settings, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_settings_set_ca_cert_pem(SettingsHandle settings, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_settings_set_max_retries(SettingsHandle settings, uint max_retries, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_client_new(SettingsHandle settings, out IntPtr client_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_client_new_from_env(SettingsHandle settings, out IntPtr client_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void msi_client_free(IntPtr client);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_client_info(ClientHandle client, out IntPtr json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_client_new_managed_identity(SettingsHandle settings, out IntPtr client_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_client_get_token(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource, out IntPtr token_out, out long expires_on_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_token_subject(IntPtr token, out IntPtr json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_resource_url_for_type([MarshalAs(UnmanagedType.LPUTF8Str)] string name, out IntPtr url_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_group_create(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string location, out IntPtr json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_group_get(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, out IntPtr json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_vm_get(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, out IntPtr json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_vm_delete(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.U1)] out bool deleted_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_vm_identity_show(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, out IntPtr json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_vm_identity_assign(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string request_json, out IntPtr json_out, [MarshalAs(UnmanagedType.U1)] out bool changed_out, out IntPtr role_assignment_json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_vm_identity_remove(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string request_json, out IntPtr json_out, [MarshalAs(UnmanagedType.U1)] out bool changed_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_vm_identity_set(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string request_json, out IntPtr json_out, [MarshalAs(UnmanagedType.U1)] out bool changed_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_vm_create(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string model_json, [MarshalAs(UnmanagedType.LPUTF8Str)] string options_json, out IntPtr json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_vm_create_basic(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string options_json, out IntPtr json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_vm_extension_set(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string spec_json, out IntPtr json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_vm_extension_get(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string extension_name, out IntPtr json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_vm_extension_delete(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string extension_name, [MarshalAs(UnmanagedType.U1)] out bool deleted_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_vmss_get(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, out IntPtr json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_vmss_delete(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.U1)] out bool deleted_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_vmss_identity_show(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, out IntPtr json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_vmss_identity_assign(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string request_json, out IntPtr json_out, [MarshalAs(UnmanagedType.U1)] out bool changed_out, out IntPtr role_assignment_json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_vmss_identity_remove(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string request_json, out IntPtr json_out, [MarshalAs(UnmanagedType.U1)] out bool changed_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_vmss_identity_set(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string request_json, out IntPtr json_out, [MarshalAs(UnmanagedType.U1)] out bool changed_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_vmss_create(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string model_json, [MarshalAs(UnmanagedType.LPUTF8Str)] string options_json, out IntPtr json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_vmss_create_basic(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string options_json, out IntPtr json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_vmss_extension_set(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string spec_json, out IntPtr json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_vmss_extension_get(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string extension_name, out IntPtr json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_vmss_extension_delete(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string extension_name, [MarshalAs(UnmanagedType.U1)] out bool deleted_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_vm_bulk(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string selection_json, [MarshalAs(UnmanagedType.LPUTF8Str)] string action_json, [MarshalAs(UnmanagedType.LPUTF8Str)] string options_json, BulkCallback callback, IntPtr user_data, out IntPtr summary_json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_vmss_bulk(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string selection_json, [MarshalAs(UnmanagedType.LPUTF8Str)] string action_json, [MarshalAs(UnmanagedType.LPUTF8Str)] string options_json, BulkCallback callback, IntPtr user_data, out IntPtr summary_json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_plan_desired(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string text, [MarshalAs(UnmanagedType.LPUTF8Str)] string source, [MarshalAs(UnmanagedType.LPUTF8Str)] string options_json, out IntPtr plan_json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_apply_desired(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string text, [MarshalAs(UnmanagedType.LPUTF8Str)] string source, [MarshalAs(UnmanagedType.LPUTF8Str)] string options_json, BulkCallback callback, IntPtr user_data, out IntPtr summary_json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_user_identity_create(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string location, [MarshalAs(UnmanagedType.LPUTF8Str)] string tags_json, out IntPtr json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_user_identity_get(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, out IntPtr json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_user_identity_list(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, out IntPtr json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_user_identity_delete(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_group, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.U1)] out bool deleted_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_role_assignment_create(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string scope, [MarshalAs(UnmanagedType.LPUTF8Str)] string role, [MarshalAs(UnmanagedType.LPUTF8Str)] string principal_id, [MarshalAs(UnmanagedType.LPUTF8Str)] string principal_type, out IntPtr json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_role_assignment_list(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string scope, [MarshalAs(UnmanagedType.LPUTF8Str)] string principal_id, out IntPtr json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_role_assignment_delete(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string id, [MarshalAs(UnmanagedType.U1)] out bool deleted_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_role_assignment_delete_matching(ClientHandle client, [MarshalAs(UnmanagedType.LPUTF8Str)] string scope, [MarshalAs(UnmanagedType.LPUTF8Str)] string principal_id, [MarshalAs(UnmanagedType.LPUTF8Str)] string role, out IntPtr json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_managed_identity_credential_new_from_env([MarshalAs(UnmanagedType.LPUTF8Str)] string client_id, [MarshalAs(UnmanagedType.LPUTF8Str)] string object_id, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_id, out IntPtr credential_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_managed_identity_credential_new_imds([MarshalAs(UnmanagedType.LPUTF8Str)] string base_url, [MarshalAs(UnmanagedType.LPUTF8Str)] string client_id, [MarshalAs(UnmanagedType.LPUTF8Str)] string object_id, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_id, out IntPtr credential_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_managed_identity_credential_new_msi_extension([MarshalAs(UnmanagedType.LPUTF8Str)] string base_url, [MarshalAs(UnmanagedType.LPUTF8Str)] string client_id, [MarshalAs(UnmanagedType.LPUTF8Str)] string object_id, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_id, out IntPtr credential_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_managed_identity_credential_new_app_service([MarshalAs(UnmanagedType.LPUTF8Str)] string endpoint, [MarshalAs(UnmanagedType.LPUTF8Str)] string identity_header, [MarshalAs(UnmanagedType.LPUTF8Str)] string client_id, [MarshalAs(UnmanagedType.LPUTF8Str)] string object_id, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_id, out IntPtr credential_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_managed_identity_credential_get_token(CredentialHandle credential, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource, out IntPtr token_out, out long expires_on_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void msi_managed_identity_credential_free(IntPtr credential);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_emulator_start([MarshalAs(UnmanagedType.LPUTF8Str)] string data_dir, ushort port, ushort imds_port, [MarshalAs(UnmanagedType.U1)] bool enforce_rbac, [MarshalAs(UnmanagedType.LPUTF8Str)] string throttle, out IntPtr emulator_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_emulator_info(EmulatorHandle emulator, out IntPtr json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_emulator_imds_base_url(EmulatorHandle emulator, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_id, int instance, out IntPtr url_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_emulator_app_service_env(EmulatorHandle emulator, [MarshalAs(UnmanagedType.LPUTF8Str)] string resource_id, out IntPtr json_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern MsiResult msi_emulator_client_new(EmulatorHandle emulator, out IntPtr client_out, out IntPtr error_out);

        [DllImport(Library, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void msi_emulator_free(IntPtr emulator);
    }

    /// <summary>An access token as Get-AzAccessToken (Az 14) gives it: Token is a SecureString, with ExpiresOn,
    /// TenantId and UserId (read from the token's claims by the library; null when it does not say) and Type.</summary>
    public sealed class MsiAccessToken
    {
        public SecureString Token { get; private set; }
        public DateTimeOffset ExpiresOn { get; private set; }
        public string TenantId { get; private set; }
        public string UserId { get; private set; }
        public string Type { get; private set; }

        internal MsiAccessToken(SecureString token, long expiresOn, string tenantId, string userId, string type)
        {
            Token = token;
            // A token given as is has no known expiry (the library says INT64_MAX).
            ExpiresOn = expiresOn >= 253402300799L ? DateTimeOffset.MaxValue : DateTimeOffset.FromUnixTimeSeconds(expiresOn);
            TenantId = tenantId;
            UserId = userId;
            Type = type;
        }
    }

    /// <summary>A client for the identity operations (the C MsiClient): thread-safe, disposable.</summary>
    public sealed class MsiClient : IDisposable
    {
        internal readonly ClientHandle Handle;

        internal MsiClient(IntPtr handle)
        {
            Handle = new ClientHandle();
            Handle.Adopt(handle);
        }

        /// <summary>A client from settings; null values are unset. With fromEnvironment, unset values come from the
        /// environment (MSI_ARM_ENDPOINT, AZURE_SUBSCRIPTION_ID, AZURE_TENANT_ID, AZURE_CLIENT_ID,
        /// AZURE_CLIENT_SECRET, MSI_ACCESS_TOKEN, MSI_CA_CERT...). maxRetries below 0 keeps the library's default.</summary>
        public static MsiClient Connect(string endpoint, string subscriptionId, string tenantId, string clientId,
                                        string clientSecret, string accessToken, string caCertPem, string authority,
                                        int maxRetries, bool fromEnvironment)
        {
            using (SettingsHandle s = NewSettings(endpoint, subscriptionId, tenantId, clientId, clientSecret, accessToken,
                                                  caCertPem, authority, maxRetries))
            {
                IntPtr client, error;
                MsiResult r = fromEnvironment
                    ? NativeMethods.msi_client_new_from_env(s, out client, out error)
                    : NativeMethods.msi_client_new(s, out client, out error);
                Interop.Check(r, error);
                return new MsiClient(client);
            }
        }

        /// <summary>A client signed in as this machine's managed identity (Connect-AzAccount -Identity): clientId
        /// (-AccountId) selects a user-assigned identity; unset values come from the environment.</summary>
        public static MsiClient ConnectManagedIdentity(string endpoint, string subscriptionId, string clientId,
                                                       string caCertPem, int maxRetries)
        {
            using (SettingsHandle s = NewSettings(endpoint, subscriptionId, null, clientId, null, null, caCertPem, null,
                                                  maxRetries))
            {
                IntPtr client, error;
                Interop.Check(NativeMethods.msi_client_new_managed_identity(s, out client, out error), error);
                return new MsiClient(client);
            }
        }

        private static SettingsHandle NewSettings(string endpoint, string subscriptionId, string tenantId, string clientId,
                                                  string clientSecret, string accessToken, string caCertPem,
                                                  string authority, int maxRetries)
        {
            IntPtr raw, error;
            Interop.Check(NativeMethods.msi_settings_new(out raw, out error), error);
            SettingsHandle s = new SettingsHandle();
            s.Adopt(raw);
            try
            {
                Interop.Check(NativeMethods.msi_settings_set_endpoint(s, endpoint, out error), error);
                Interop.Check(NativeMethods.msi_settings_set_subscription_id(s, subscriptionId, out error), error);
                Interop.Check(NativeMethods.msi_settings_set_tenant_id(s, tenantId, out error), error);
                Interop.Check(NativeMethods.msi_settings_set_client_id(s, clientId, out error), error);
                Interop.Check(NativeMethods.msi_settings_set_client_secret(s, clientSecret, out error), error);
                Interop.Check(NativeMethods.msi_settings_set_access_token(s, accessToken, out error), error);
                Interop.Check(NativeMethods.msi_settings_set_ca_cert_pem(s, caCertPem, out error), error);
                Interop.Check(NativeMethods.msi_settings_set_authority(s, authority, out error), error);
                if (maxRetries >= 0)
                {
                    Interop.Check(NativeMethods.msi_settings_set_max_retries(s, (uint)maxRetries, out error), error);
                }
                return s;
            }
            catch
            {
                s.Dispose();
                throw;
            }
        }

        /// <summary>The signed-in account's token for resource (null: ARM), as Get-AzAccessToken gives it.</summary>
        public MsiAccessToken GetAccessToken(string resource)
        {
            IntPtr token, error;
            long expiresOn;
            Interop.Check(NativeMethods.msi_client_get_token(Handle, resource, out token, out expiresOn, out error), error);
            return Interop.TakeToken(token, expiresOn);
        }

        /// <summary>The resource URL of a Get-AzAccessToken -ResourceTypeName (Arm, MSGraph, KeyVault, ...).</summary>
        public static string ResourceUrlForType(string name)
        {
            IntPtr url, error;
            return Interop.Json(NativeMethods.msi_resource_url_for_type(name, out url, out error), url, error);
        }

        public void Dispose()
        {
            Handle.Dispose();
        }

        /// <summary>{"endpoint", "subscriptionId"}.</summary>
        public string Info()
        {
            IntPtr json, error;
            return Interop.Json(NativeMethods.msi_client_info(Handle, out json, out error), json, error);
        }

        public string GroupCreate(string name, string location)
        {
            IntPtr json, error;
            return Interop.Json(NativeMethods.msi_group_create(Handle, name, location, out json, out error), json, error);
        }

        public string GroupGet(string name)
        {
            IntPtr json, error;
            return Interop.Json(NativeMethods.msi_group_get(Handle, name, out json, out error), json, error);
        }

        // VMs and scale sets: resourceGroup null means `name` is a full resource ID.

        public string ComputeGet(ComputeKind kind, string resourceGroup, string name)
        {
            IntPtr json, error;
            MsiResult r = kind == ComputeKind.VirtualMachine
                ? NativeMethods.msi_vm_get(Handle, resourceGroup, name, out json, out error)
                : NativeMethods.msi_vmss_get(Handle, resourceGroup, name, out json, out error);
            return Interop.Json(r, json, error);
        }

        public bool ComputeDelete(ComputeKind kind, string resourceGroup, string name)
        {
            IntPtr error;
            bool deleted;
            MsiResult r = kind == ComputeKind.VirtualMachine
                ? NativeMethods.msi_vm_delete(Handle, resourceGroup, name, out deleted, out error)
                : NativeMethods.msi_vmss_delete(Handle, resourceGroup, name, out deleted, out error);
            Interop.Check(r, error);
            return deleted;
        }

        public string IdentityShow(ComputeKind kind, string resourceGroup, string name)
        {
            IntPtr json, error;
            MsiResult r = kind == ComputeKind.VirtualMachine
                ? NativeMethods.msi_vm_identity_show(Handle, resourceGroup, name, out json, out error)
                : NativeMethods.msi_vmss_identity_show(Handle, resourceGroup, name, out json, out error);
            return Interop.Json(r, json, error);
        }

        /// <summary>core's AssignRequest as JSON (null: {}); the role assignment's JSON, or null when no role was
        /// asked for, comes out in roleAssignment.</summary>
        public string IdentityAssign(ComputeKind kind, string resourceGroup, string name, string requestJson,
                                     out bool changed, out string roleAssignment)
        {
            IntPtr json, assignment, error;
            MsiResult r = kind == ComputeKind.VirtualMachine
                ? NativeMethods.msi_vm_identity_assign(Handle, resourceGroup, name, requestJson, out json, out changed, out assignment, out error)
                : NativeMethods.msi_vmss_identity_assign(Handle, resourceGroup, name, requestJson, out json, out changed, out assignment, out error);
            string resource = Interop.Json(r, json, error);
            roleAssignment = Interop.Take(assignment);
            return resource;
        }

        /// <summary>core's RemoveRequest as JSON (null: {}).</summary>
        public string IdentityRemove(ComputeKind kind, string resourceGroup, string name, string requestJson,
                                     out bool changed)
        {
            IntPtr json, error;
            MsiResult r = kind == ComputeKind.VirtualMachine
                ? NativeMethods.msi_vm_identity_remove(Handle, resourceGroup, name, requestJson, out json, out changed, out error)
                : NativeMethods.msi_vmss_identity_remove(Handle, resourceGroup, name, requestJson, out json, out changed, out error);
            return Interop.Json(r, json, error);
        }

        /// <summary>core's SetRequest as JSON: {"type": ..., "identities": [...]}.</summary>
        public string IdentitySet(ComputeKind kind, string resourceGroup, string name, string requestJson,
                                  out bool changed)
        {
            IntPtr json, error;
            MsiResult r = kind == ComputeKind.VirtualMachine
                ? NativeMethods.msi_vm_identity_set(Handle, resourceGroup, name, requestJson, out json, out changed, out error)
                : NativeMethods.msi_vmss_identity_set(Handle, resourceGroup, name, requestJson, out json, out changed, out error);
            return Interop.Json(r, json, error);
        }

        /// <summary>A whole ARM model, with core's CreateOptions (without model) as JSON (null: {}).</summary>
        public string Create(ComputeKind kind, string resourceGroup, string name, string modelJson, string optionsJson)
        {
            IntPtr json, error;
            MsiResult r = kind == ComputeKind.VirtualMachine
                ? NativeMethods.msi_vm_create(Handle, resourceGroup, name, modelJson, optionsJson, out json, out error)
                : NativeMethods.msi_vmss_create(Handle, resourceGroup, name, modelJson, optionsJson, out json, out error);
            return Interop.Json(r, json, error);
        }

        /// <summary>core's CreateOptions as JSON (null: {}).</summary>
        public string CreateBasic(ComputeKind kind, string resourceGroup, string name, string optionsJson)
        {
            IntPtr json, error;
            MsiResult r = kind == ComputeKind.VirtualMachine
                ? NativeMethods.msi_vm_create_basic(Handle, resourceGroup, name, optionsJson, out json, out error)
                : NativeMethods.msi_vmss_create_basic(Handle, resourceGroup, name, optionsJson, out json, out error);
            return Interop.Json(r, json, error);
        }

        /// <summary>core's MsiExtensionSpec as JSON: {"name", "type", "publisher", "version", "settings", "port"}.</summary>
        public string ExtensionSet(ComputeKind kind, string resourceGroup, string name, string specJson)
        {
            IntPtr json, error;
            MsiResult r = kind == ComputeKind.VirtualMachine
                ? NativeMethods.msi_vm_extension_set(Handle, resourceGroup, name, specJson, out json, out error)
                : NativeMethods.msi_vmss_extension_set(Handle, resourceGroup, name, specJson, out json, out error);
            return Interop.Json(r, json, error);
        }

        public string ExtensionGet(ComputeKind kind, string resourceGroup, string name, string extensionName)
        {
            IntPtr json, error;
            MsiResult r = kind == ComputeKind.VirtualMachine
                ? NativeMethods.msi_vm_extension_get(Handle, resourceGroup, name, extensionName, out json, out error)
                : NativeMethods.msi_vmss_extension_get(Handle, resourceGroup, name, extensionName, out json, out error);
            return Interop.Json(r, json, error);
        }

        public bool ExtensionDelete(ComputeKind kind, string resourceGroup, string name, string extensionName)
        {
            IntPtr error;
            bool deleted;
            MsiResult r = kind == ComputeKind.VirtualMachine
                ? NativeMethods.msi_vm_extension_delete(Handle, resourceGroup, name, extensionName, out deleted, out error)
                : NativeMethods.msi_vmss_extension_delete(Handle, resourceGroup, name, extensionName, out deleted, out error);
            Interop.Check(r, error);
            return deleted;
        }

        /// <summary>A bulk change (msi_vm_bulk / msi_vmss_bulk): core's selection, action and options JSON (options
        /// may be null). Every event's JSON goes to onEvent on this thread, in order; it returns false to stop the
        /// change. An exception thrown by onEvent stops the change and is rethrown here. Returns the summary JSON
        /// (the last progress, and "stopped").</summary>
        public string Bulk(ComputeKind kind, string selectionJson, string actionJson, string optionsJson,
                           Func<string, bool> onEvent)
        {
            return WithEvents(onEvent, delegate(BulkCallback callback, out IntPtr summary, out IntPtr error)
            {
                return kind == ComputeKind.VirtualMachine
                    ? NativeMethods.msi_vm_bulk(Handle, selectionJson, actionJson, optionsJson, callback, IntPtr.Zero, out summary, out error)
                    : NativeMethods.msi_vmss_bulk(Handle, selectionJson, actionJson, optionsJson, callback, IntPtr.Zero, out summary, out error);
            });
        }

        /// <summary>What applying the desired-state file text would change (msi_plan_desired): core's plan JSON
        /// with "text", the readable diff. source names the file in errors and in the plan (null:
        /// "identities.yaml"); optionsJson may be null.</summary>
        public string PlanDesired(string text, string source, string optionsJson)
        {
            IntPtr json, error;
            return Interop.Json(NativeMethods.msi_plan_desired(Handle, text, source, optionsJson, out json, out error), json, error);
        }

        /// <summary>Apply the desired-state file text (msi_apply_desired): events and summary as Bulk's.</summary>
        public string ApplyDesired(string text, string source, string optionsJson, Func<string, bool> onEvent)
        {
            return WithEvents(onEvent, delegate(BulkCallback callback, out IntPtr summary, out IntPtr error)
            {
                return NativeMethods.msi_apply_desired(Handle, text, source, optionsJson, callback, IntPtr.Zero, out summary, out error);
            });
        }

        private delegate MsiResult EventCall(BulkCallback callback, out IntPtr summary, out IntPtr error);

        /// <summary>Makes a call that reports events through an MsiBulkCallback: onEvent gets each event's JSON
        /// (false stops the run; an exception stops it and is rethrown after the call); the summary JSON is returned.</summary>
        private static string WithEvents(Func<string, bool> onEvent, EventCall call)
        {
            Exception failure = null;
            BulkCallback callback = delegate(IntPtr userData, IntPtr eventJson)
            {
                try
                {
                    return onEvent == null || onEvent(Interop.Utf8(eventJson)) ? 0 : 1;
                }
                catch (Exception e)
                {
                    failure = e;
                    return 1;
                }
            };
            IntPtr summary, error;
            MsiResult r = call(callback, out summary, out error);
            GC.KeepAlive(callback);
            string result = Interop.Json(r, summary, error);
            if (failure != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
            }
            return result;
        }

        // User-assigned identities: resourceGroup null means `name` is the identity's resource ID.

        public string UserIdentityCreate(string resourceGroup, string name, string location, string tagsJson)
        {
            IntPtr json, error;
            return Interop.Json(NativeMethods.msi_user_identity_create(Handle, resourceGroup, name, location, tagsJson, out json, out error), json, error);
        }

        public string UserIdentityGet(string resourceGroup, string name)
        {
            IntPtr json, error;
            return Interop.Json(NativeMethods.msi_user_identity_get(Handle, resourceGroup, name, out json, out error), json, error);
        }

        /// <summary>A JSON array; resourceGroup null lists the subscription.</summary>
        public string UserIdentityList(string resourceGroup)
        {
            IntPtr json, error;
            return Interop.Json(NativeMethods.msi_user_identity_list(Handle, resourceGroup, out json, out error), json, error);
        }

        public bool UserIdentityDelete(string resourceGroup, string name)
        {
            IntPtr error;
            bool deleted;
            Interop.Check(NativeMethods.msi_user_identity_delete(Handle, resourceGroup, name, out deleted, out error), error);
            return deleted;
        }

        // Role assignments: a null scope is passed through (core's default: the client's subscription).

        public string RoleAssignmentCreate(string scope, string role, string principalId, string principalType)
        {
            IntPtr json, error;
            return Interop.Json(NativeMethods.msi_role_assignment_create(Handle, scope, role, principalId, principalType, out json, out error), json, error);
        }

        public string RoleAssignmentList(string scope, string principalId)
        {
            IntPtr json, error;
            return Interop.Json(NativeMethods.msi_role_assignment_list(Handle, scope, principalId, out json, out error), json, error);
        }

        public bool RoleAssignmentDelete(string id)
        {
            IntPtr error;
            bool deleted;
            Interop.Check(NativeMethods.msi_role_assignment_delete(Handle, id, out deleted, out error), error);
            return deleted;
        }

        /// <summary>A JSON array of {"id", "deleted"}.</summary>
        public string RoleAssignmentDeleteMatching(string scope, string principalId, string role)
        {
            IntPtr json, error;
            return Interop.Json(NativeMethods.msi_role_assignment_delete_matching(Handle, scope, principalId, role, out json, out error), json, error);
        }
    }

    /// <summary>A managed identity's tokens (the C MsiManagedIdentityCredential): thread-safe, cached per resource.
    /// At most one of clientId, objectId, resourceId selects a user-assigned identity.</summary>
    public sealed class MsiManagedIdentityCredential : IDisposable
    {
        private readonly CredentialHandle handle;

        private MsiManagedIdentityCredential(MsiResult result, IntPtr raw, IntPtr error)
        {
            Interop.Check(result, error);
            handle = new CredentialHandle();
            handle.Adopt(raw);
        }

        /// <summary>Source from the environment, as azure-identity chooses it.</summary>
        public static MsiManagedIdentityCredential FromEnvironment(string clientId, string objectId, string resourceId)
        {
            IntPtr raw, error;
            MsiResult r = NativeMethods.msi_managed_identity_credential_new_from_env(clientId, objectId, resourceId, out raw, out error);
            return new MsiManagedIdentityCredential(r, raw, error);
        }

        /// <summary>IMDS at baseUrl (null: http://169.254.169.254).</summary>
        public static MsiManagedIdentityCredential Imds(string baseUrl, string clientId, string objectId, string resourceId)
        {
            IntPtr raw, error;
            MsiResult r = NativeMethods.msi_managed_identity_credential_new_imds(baseUrl, clientId, objectId, resourceId, out raw, out error);
            return new MsiManagedIdentityCredential(r, raw, error);
        }

        /// <summary>The legacy MSI VM extension at baseUrl (null: http://localhost:50342).</summary>
        public static MsiManagedIdentityCredential MsiExtension(string baseUrl, string clientId, string objectId, string resourceId)
        {
            IntPtr raw, error;
            MsiResult r = NativeMethods.msi_managed_identity_credential_new_msi_extension(baseUrl, clientId, objectId, resourceId, out raw, out error);
            return new MsiManagedIdentityCredential(r, raw, error);
        }

        /// <summary>The App Service identity endpoint with its secret header.</summary>
        public static MsiManagedIdentityCredential AppService(string endpoint, string identityHeader, string clientId, string objectId, string resourceId)
        {
            IntPtr raw, error;
            MsiResult r = NativeMethods.msi_managed_identity_credential_new_app_service(endpoint, identityHeader, clientId, objectId, resourceId, out raw, out error);
            return new MsiManagedIdentityCredential(r, raw, error);
        }

        /// <summary>The token for resource as Get-AzAccessToken gives it (Token a SecureString).</summary>
        public MsiAccessToken GetAccessToken(string resource)
        {
            IntPtr token, error;
            long expiresOn;
            MsiResult r = NativeMethods.msi_managed_identity_credential_get_token(handle, resource, out token, out expiresOn, out error);
            Interop.Check(r, error);
            return Interop.TakeToken(token, expiresOn);
        }

        /// <summary>The bearer token for resource as plain text (a secret: -AsPlainText only) and its expiry in Unix
        /// seconds.</summary>
        public string GetToken(string resource, out long expiresOn)
        {
            IntPtr token, error;
            MsiResult r = NativeMethods.msi_managed_identity_credential_get_token(handle, resource, out token, out expiresOn, out error);
            Interop.Check(r, error);
            return Interop.Take(token);
        }

        public void Dispose()
        {
            handle.Dispose();
        }
    }

    /// <summary>An emulator in this process (the C MsiEmulator): Dispose (or Stop) stops it.</summary>
    public sealed class MsiEmulator : IDisposable
    {
        private readonly EmulatorHandle handle;

        private MsiEmulator(IntPtr raw)
        {
            handle = new EmulatorHandle();
            handle.Adopt(raw);
        }

        /// <summary>Start on 127.0.0.1; dataDir null keeps it in memory; port 0 picks a free one; throttle null
        /// means "arm" (Azure's budgets), or "off", or numbers.</summary>
        public static MsiEmulator Start(string dataDir, ushort port, ushort imdsPort, bool enforceRbac, string throttle)
        {
            IntPtr raw, error;
            Interop.Check(NativeMethods.msi_emulator_start(dataDir, port, imdsPort, enforceRbac, throttle, out raw, out error), error);
            return new MsiEmulator(raw);
        }

        /// <summary>JSON: endpoint, caCertPem, caCertPath, tenantId, subscriptionId, adminClientId,
        /// adminClientSecret, imdsEndpoint, dataDir, env.</summary>
        public string Info()
        {
            IntPtr json, error;
            return Interop.Json(NativeMethods.msi_emulator_info(handle, out json, out error), json, error);
        }

        /// <summary>The IMDS base URL of a VM (instance -1) or scale-set instance.</summary>
        public string ImdsBaseUrl(string resourceId, int instance)
        {
            IntPtr url, error;
            return Interop.Json(NativeMethods.msi_emulator_imds_base_url(handle, resourceId, instance, out url, out error), url, error);
        }

        /// <summary>JSON {"IDENTITY_ENDPOINT", "IDENTITY_HEADER"} of a VM or scale set.</summary>
        public string AppServiceEnv(string resourceId)
        {
            IntPtr json, error;
            return Interop.Json(NativeMethods.msi_emulator_app_service_env(handle, resourceId, out json, out error), json, error);
        }

        /// <summary>A client signed in as the emulator's admin (Owner of its subscription).</summary>
        public MsiClient NewClient()
        {
            IntPtr client, error;
            Interop.Check(NativeMethods.msi_emulator_client_new(handle, out client, out error), error);
            return new MsiClient(client);
        }

        public bool IsRunning { get { return !handle.IsClosed; } }

        public void Stop()
        {
            handle.Dispose();
        }

        public void Dispose()
        {
            handle.Dispose();
        }
    }
}
