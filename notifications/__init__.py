"""Notifications that never get lost: an outbox written with the business record, sent by Celery.

Public surface for feature apps: `notifications.api.notify_patient` and `notify_pharmacy`
(call them inside the business `transaction.atomic()`), templates under `templates/emails/<event>.*`
(extending `emails/base.html` / `emails/base.txt`) and `templates/sms/<event>.txt`, and in tests
`django.core.mail.outbox` and `notifications.sms.outbox`.
"""
