/* User-assigned identities: create (tags with non-ASCII text), get by name and ID, list, delete. */
#include "harness.h"

void test_user_identity(Fixture *f) {
  char *json = NULL;
  char id[512];
  bool deleted = false;
  const char *tags = "{\"owner\":\"Zo\xc3\xab \xe2\x9c\x93\",\"team\":\"\xe6\x97\xa5\xe6\x9c\xac\"}";
  EXPECT_OK(msi_user_identity_create(f->client, f->rg, "c-uai-tags", "westus", tags, &json, &err_));
  CHECK(json_has(json, "\"owner\":\"Zo\xc3\xab \xe2\x9c\x93\""));
  CHECK(json_has(json, "\"principalId\"") && json_has(json, "\"clientId\""));
  CHECK(json_string(json, "id", id, sizeof id));
  msi_string_free(json);

  json = NULL;
  EXPECT_OK(msi_user_identity_get(f->client, f->rg, "c-uai-tags", &json, &err_));
  CHECK(json_has(json, "\xe6\x97\xa5\xe6\x9c\xac"));
  msi_string_free(json);
  json = NULL;
  EXPECT_OK(msi_user_identity_get(f->client, NULL, id, &json, &err_));
  CHECK(json_has(json, "\"name\":\"c-uai-tags\""));
  msi_string_free(json);
  json = NULL;
  EXPECT_OK(msi_user_identity_list(f->client, f->rg, &json, &err_));
  CHECK(json != NULL && json[0] == '[' && json_has(json, "c-uai-tags"));
  msi_string_free(json);
  json = NULL;
  EXPECT_OK(msi_user_identity_list(f->client, NULL, &json, &err_));
  CHECK(json_has(json, "c-uai-tags"));
  msi_string_free(json);

  json = NULL;
  EXPECT(MSI_RESULT_INVALID_ARGUMENT, msi_user_identity_create(f->client, f->rg, "ab", NULL, NULL, &json, &err_));
  EXPECT(MSI_RESULT_INVALID_ARGUMENT, msi_user_identity_create(f->client, f->rg, "abc", NULL, "[1]", &json, &err_));
  EXPECT(MSI_RESULT_INVALID_JSON, msi_user_identity_create(f->client, f->rg, "abc", NULL, "{", &json, &err_));
  EXPECT(MSI_RESULT_NOT_FOUND, msi_user_identity_create(f->client, "c-no-such-group", "abc", NULL, NULL, &json, &err_));
  CHECK(json == NULL);

  EXPECT_OK(msi_user_identity_delete(f->client, NULL, id, &deleted, &err_));
  CHECK(deleted);
  EXPECT_OK(msi_user_identity_delete(f->client, f->rg, "c-uai-tags", &deleted, &err_));
  CHECK(!deleted);
  EXPECT(MSI_RESULT_NOT_FOUND, msi_user_identity_get(f->client, f->rg, "c-uai-tags", &json, &err_));
}
