"""The matrix's verdicts, without a stack: a leak, a 5xx, an existence told by a refusal, a
list showing another's ids, an undocumented refusal and a changed row are each caught; a
refusal as documented and a list in one's own scope pass."""
import os
import sys
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bindings  # noqa: E402
import client  # noqa: E402
import matrix  # noqa: E402
import personas  # noqa: E402
import snapshot  # noqa: E402
import spec  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
CASE = "11111111-1111-4111-8111-111111111111"
PROBLEM = {"content-type": "application/problem+json"}


OPS = spec.load(SOURCE)
BY_NAME = {op.name: op for op in OPS}


def answer(status, body=b"{}", headers=None):
    return client.Answer(status, dict(headers if headers is not None else PROBLEM), body)


class Judge(unittest.TestCase):
    def setUp(self):
        self.m = matrix.Matrix({"GATEWAY_URL": "http://127.0.0.1:9"})
        self.m.secret_ids = {"other_portal": {CASE}}
        self.case = BY_NAME["GET /v1/cases/{id}"]
        self.lists = BY_NAME["GET /v1/cases"]

    def judge(self, op, status, persona="other_portal", ghost=None, body=b"{}", headers=None):
        return self.m.judge_refusal(op, persona, op.path, answer(status, body, headers), ghost)

    def test_refused_as_documented(self):
        self.assertEqual(self.judge(self.case, 404, ghost=answer(404)), "404")
        self.assertEqual(self.m.failures + self.m.unexpected, [])

    def test_success_is_a_leak(self):
        self.assertEqual(self.judge(self.case, 200), "200!")
        self.assertTrue(self.m.failures[0].startswith("LEAK GET /v1/cases/{id} as other_portal"))

    def test_5xx(self):
        self.judge(self.case, 500)
        self.assertTrue(self.m.failures[0].startswith("5XX"))

    def test_existence_told(self):
        self.assertEqual(self.judge(self.case, 403, ghost=answer(404)), "403?")
        self.assertIn("made-up", self.m.failures[0])

    def test_list_of_own_scope_and_list_with_anothers_id(self):
        self.assertEqual(self.judge(self.lists, 200, body=b'{"items": []}'), "200~")
        self.assertEqual(self.m.failures, [])
        self.judge(self.lists, 200, body=('{"items": [{"id": "%s"}]}' % CASE).encode())
        self.assertIn(CASE, self.m.failures[0])

    def test_undocumented_or_not_problem(self):
        self.judge(BY_NAME["GET /v1/cases/{id}/history"], 403, ghost=answer(403))
        self.assertIn("undocumented", self.m.unexpected[0])
        self.judge(self.case, 404, ghost=answer(404, headers={"content-type": "text/html"}),
                   headers={"content-type": "text/html"})
        self.assertIn("not problem+json", self.m.unexpected[1])

    def test_own_scope_create_naming_anothers_object(self):
        op = BY_NAME["POST /v1/users"]
        self.assertEqual(self.m.judge_foreign(op, "other_portal", op.path, answer(422), {}),
                         "422f")
        self.assertEqual(self.m.failures, [])
        self.assertEqual(self.m.judge_foreign(op, "other_portal", op.path, answer(201), {}),
                         "201f!")
        self.assertTrue(self.m.failures[0].startswith("LEAK POST /v1/users"))

    def test_a_refusal_that_is_no_refusal(self):
        self.judge(self.case, 422, ghost=answer(422))
        self.assertIn("not a refusal", self.m.unexpected[0])


class Writes(unittest.TestCase):
    def test_changed_rows(self):
        diff = snapshot.Snapshots.diff
        self.assertEqual(diff({"cases.cases": "3/t1/7"}, {"cases.cases": "3/t1/7"}), [])
        self.assertEqual(len(diff({"cases.cases": "3/t1/7"}, {"cases.cases": "3/t2/8"})), 1)
        self.assertEqual(len(diff({"cases.cases": "3/t1/7"}, {"cases.cases": "2/t1/7"})), 1)
        self.assertEqual(len(diff({"cases.outbox": "9"}, {"cases.outbox": "10"})), 1)
        # a retention purge is a timer's, not a request's
        self.assertEqual(diff({"cases.outbox": "9"}, {"cases.outbox": "4"}), [])


class Bindings(unittest.TestCase):
    def test_cross_case(self):
        ids = {"case": CASE, "document": "44444444-4444-4444-8444-444444444444",
               "other_document": "55555555-5555-4555-8555-555555555555"}
        path = bindings.cross_fill(BY_NAME["GET /v1/cases/{id}/documents/{doc_id}"], ids)
        self.assertEqual(path, "/v1/cases/%s/documents/%s" % (CASE, ids["other_document"]))
        self.assertIsNone(bindings.cross_fill(BY_NAME["GET /v1/cases/{id}"], ids))

    def test_ghost_and_made_up(self):
        op = BY_NAME["GET /v1/cases/{id}/documents/{doc_id}"]
        path, real = bindings.fill(op, {"case": CASE})
        self.assertTrue(path.startswith("/v1/cases/%s/documents/" % CASE))
        self.assertFalse(real)  # no document in that world
        ghost, _ = bindings.fill(op, {"case": CASE, "document": CASE}, ghost=True)
        self.assertNotIn("/v1/cases/%s/" % CASE, ghost)


class Generated(unittest.TestCase):
    def test_every_routed_service_is_read(self):
        ops = OPS
        self.assertEqual({op.service for op in ops}, set(spec.SERVICES))
        self.assertTrue(all(op.params or op.schemes for op in ops))
        self.assertFalse([op for op in ops if op.path.startswith("/internal")])

    def test_bodies_take_real_ids(self):
        ops = BY_NAME
        ids = {"case": CASE, "office_p": "22222222-2222-4222-8222-222222222222",
               "task": "33333333-3333-4333-8333-333333333333"}
        _, body = spec.body_for(ops["POST /v1/cases/{id}/rfqs"], ids)
        self.assertEqual(body["task_id"], ids["task"])
        self.assertEqual(body["office_ids"], [ids["office_p"]])  # unique, though two made up
        self.assertEqual(spec.sample({}, {"type": "string", "pattern": "^[0-9]{6}$"}, {}), "123456")

    def test_foreign_body(self):
        ids = {"company_p": "66666666-6666-4666-8666-666666666666",
               "office_p": "77777777-7777-4777-8777-777777777777"}
        body = spec.foreign_body(BY_NAME["POST /v1/users"], ids)
        self.assertEqual(body["company_id"], ids["company_p"])
        self.assertEqual(body["offices"], [ids["office_p"]])
        self.assertIsNone(spec.foreign_body(BY_NAME["POST /v1/webhooks"], ids))

    def test_who_may(self):
        ops = BY_NAME
        self.assertTrue(personas.allowed(ops["GET /v1/cases/{id}"], "lower_level"))
        self.assertFalse(personas.allowed(ops["GET /v1/cases/{id}"], "other_company"))
        self.assertFalse(personas.allowed(ops["POST /v1/cases/{id}/budgets/{budget_id}/approve"],
                                          "task_partner"))
        self.assertTrue(personas.allowed(ops["POST /v1/customer-portal/logout"], "no_token"))


if __name__ == "__main__":
    unittest.main()
