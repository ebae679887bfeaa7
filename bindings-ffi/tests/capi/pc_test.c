/* A C program built only from what `cargo cinstall` installed: compiled with `pkg-config --cflags --libs
 * msi_identity` (the shared library) and again against libmsi_identity.a with `pkg-config --static --libs`. It
 * checks the installed header's version matches the library's and runs a short session against an emulator
 * started through the ABI. Usage: pc_test EXPECTED_VERSION. The last line is "N passed, M failed". */
#include <msi_identity.h>

#include <stdio.h>
#include <string.h>

static int passed, failed;

static void check(int ok, const char *what) {
  if (ok) {
    passed++;
  } else {
    failed++;
    fprintf(stderr, "FAIL %s\n", what);
  }
}

int main(int argc, char **argv) {
  const char *want = argc > 1 ? argv[1] : "";
  check(strcmp(msi_version(), want) == 0, "msi_version() is the crate version");
  check(strcmp(msi_result_name(MSI_RESULT_NOT_FOUND), "not_found") == 0, "result names");

  MsiEmulator *emu = NULL;
  MsiClient *client = NULL;
  MsiError *err = NULL;
  char *json = NULL;
  check(msi_emulator_start(NULL, 0, 0, true, NULL, &emu, &err) == MSI_RESULT_OK, "emulator starts");
  check(msi_emulator_client_new(emu, &client, &err) == MSI_RESULT_OK, "admin client");
  check(msi_group_create(client, "pc-rg", "westus", &json, &err) == MSI_RESULT_OK && strstr(json, "pc-rg") != NULL,
        "group created");
  msi_string_free(json);
  json = NULL;
  check(msi_vm_create_basic(client, "pc-rg", "pc-vm", "{\"assignIdentity\":[]}", &json, &err) == MSI_RESULT_OK &&
            strstr(json, "\"type\":\"SystemAssigned\"") != NULL,
        "VM with its system-assigned identity");
  msi_string_free(json);
  json = NULL;
  check(msi_vm_get(client, "pc-rg", "nope", &json, &err) == MSI_RESULT_NOT_FOUND && err != NULL &&
            msi_error_status(err) == 404,
        "not found, with the error object");
  msi_error_free(err);
  char *token = NULL;
  check(msi_client_get_token(client, NULL, &token, NULL, NULL) == MSI_RESULT_OK && token != NULL, "token");
  msi_string_free(token);
  msi_client_free(client);
  msi_emulator_free(emu);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
