/* Results and error objects: names, accessors, NULL handling, outputs untouched on failure. */
#include "harness.h"

void test_error(Fixture *f) {
  /* Static strings. */
  CHECK(msi_version() != NULL && strlen(msi_version()) > 0);
  CHECK(strcmp(msi_result_name(MSI_RESULT_OK), "ok") == 0);
  CHECK(strcmp(msi_result_name(MSI_RESULT_NOT_FOUND), "not_found") == 0);
  CHECK(strcmp(msi_result_name(MSI_RESULT_EMULATOR), "emulator") == 0);
  CHECK(msi_result_name(9999) == NULL);
  CHECK(msi_result_name(-1) == NULL);

  /* NULL is safe everywhere it can be passed. */
  msi_string_free(NULL);
  msi_error_free(NULL);
  msi_client_free(NULL);
  msi_settings_free(NULL);
  msi_emulator_free(NULL);
  msi_managed_identity_credential_free(NULL);
  CHECK(msi_error_result(NULL) == MSI_RESULT_NULL_ARGUMENT);
  CHECK(msi_error_kind(NULL) == NULL);
  CHECK(msi_error_status(NULL) == 0);
  CHECK(msi_error_code(NULL) == NULL);
  CHECK(msi_error_message(NULL) == NULL);
  CHECK(msi_error_request_id(NULL) == NULL);
  CHECK(msi_error_target(NULL) == NULL);

  /* A NULL required argument: a result code and an error naming it; the output is not touched. */
  char *sentinel = (char *)"untouched";
  char *out = sentinel;
  MsiError *err = NULL;
  CHECK(msi_group_get(f->client, NULL, &out, &err) == MSI_RESULT_NULL_ARGUMENT);
  CHECK(out == sentinel);
  CHECK(err != NULL);
  CHECK(msi_error_result(err) == MSI_RESULT_NULL_ARGUMENT);
  CHECK(strcmp(msi_error_kind(err), "null_argument") == 0);
  CHECK(strstr(msi_error_message(err), "name") != NULL);
  CHECK(msi_error_status(err) == 0 && msi_error_code(err) == NULL && msi_error_request_id(err) == NULL);
  msi_error_free(err);
  /* A NULL handle and a NULL out-parameter likewise; error_out may be NULL. */
  CHECK(msi_group_get(NULL, "rg", &out, NULL) == MSI_RESULT_NULL_ARGUMENT);
  CHECK(msi_group_get(f->client, "rg", NULL, NULL) == MSI_RESULT_NULL_ARGUMENT);
  CHECK(out == sentinel);

  /* Invalid UTF-8 and invalid JSON. */
  const char bad_utf8[] = {'r', 'g', (char)0xff, (char)0xfe, 0};
  err = NULL;
  CHECK(msi_group_get(f->client, bad_utf8, &out, &err) == MSI_RESULT_INVALID_UTF8);
  CHECK(err != NULL && strcmp(msi_error_kind(err), "invalid_utf8") == 0);
  msi_error_free(err);
  err = NULL;
  CHECK(msi_vm_create(f->client, f->rg, "vmjson", "{not json", NULL, &out, &err) == MSI_RESULT_INVALID_JSON);
  CHECK(err != NULL && strstr(msi_error_message(err), "model_json") != NULL);
  msi_error_free(err);
  CHECK(out == sentinel);

  /* A service error keeps status, code, message and request id. */
  err = NULL;
  CHECK(msi_group_get(f->client, "no-such-group", &out, &err) == MSI_RESULT_NOT_FOUND);
  CHECK(out == sentinel);
  CHECK(err != NULL && msi_error_status(err) == 404);
  CHECK(err != NULL && msi_error_code(err) != NULL && strcmp(msi_error_code(err), "ResourceGroupNotFound") == 0);
  CHECK(err != NULL && msi_error_request_id(err) != NULL && strlen(msi_error_request_id(err)) > 0);
  CHECK(err != NULL && strstr(msi_error_message(err), "no-such-group") != NULL);
  CHECK(err != NULL && strcmp(msi_error_kind(err), "not_found") == 0);
  msi_error_free(err);

  /* Client-side validation: nothing sent, no status. */
  err = NULL;
  CHECK(msi_group_get(f->client, "bad/name", &out, &err) == MSI_RESULT_INVALID_ARGUMENT);
  CHECK(err != NULL && msi_error_status(err) == 0);
  msi_error_free(err);
}
