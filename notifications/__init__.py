"""Notifications that never get lost: an outbox written with the business record, sent by Celery.

Public surface for feature apps: the abstract model `notifications.models.PatientContact` (a
patient's contact, reference and `channels` rule) and its form half
`notifications.forms.PatientContactFormMixin`; `notifications.api.notify_contact`, `notify_patient`
and `notify_pharmacy` (call them inside the business `transaction.atomic()`), templates under `templates/emails/<event>.*`
(extending `emails/base.html` / `emails/base.txt`) and `templates/sms/<event>.txt`, and in tests
`django.core.mail.outbox` and `notifications.sms.outbox`.
"""
