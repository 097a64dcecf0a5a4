"""Who may write agency news: the "Rédaction agence" group, on the agency blog only, moderated.

Kept apart from the pharmacy staff groups: agency editors get page permissions on the agency
site's tree (its home, its blog and every post in it; never on a pharmacy's tree) and image
permissions on the "Agence" collection. Their posts go through a Wagtail workflow assigned to the
blog index. With permissions on the blog alone, the explorer opened on the blog and the rest of the
agency site could be neither found nor fixed. Apps add the model permissions of the shared data
they run for the agency (the Click & Collect catalogue...) through their `agency_permissions`.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from pharmacies import extensions

AGENCY_EDITORS_GROUP = "Rédaction agence"
MODERATORS_GROUP = "Modérateurs"
DEFAULT_WORKFLOW = "Validation par la rédaction"
AGENCY_COLLECTION = "Agence"
EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]
EDITOR_IMAGE_PERMISSIONS = ["add_image", "change_image", "choose_image"]


def agency_collection() -> Collection:
    root = Collection.get_first_root_node()
    found = root.get_children().filter(name=AGENCY_COLLECTION).first()
    return found or root.add_child(name=AGENCY_COLLECTION)


def ensure_blog_workflow(blog_index) -> Workflow:
    """Posts submitted under the agency blog go to the moderators (Wagtail's default workflow)."""
    assigned = WorkflowPage.objects.filter(page=blog_index).select_related("workflow").first()
    if assigned:
        return assigned.workflow
    workflow = Workflow.objects.filter(name=DEFAULT_WORKFLOW, active=True).first()
    if workflow is None:
        moderators, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
        task = GroupApprovalTask.objects.create(name=DEFAULT_WORKFLOW)
        task.groups.set([moderators])
        workflow = Workflow.objects.create(name=DEFAULT_WORKFLOW)
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
        for codename in EDITOR_PAGE_PERMISSIONS:
            GroupPagePermission.objects.get_or_create(
                group=moderators,
                page=blog_index,
                permission=Permission.objects.get(
                    content_type__app_label="wagtailcore", codename=codename
                ),
            )
    WorkflowPage.objects.create(page=blog_index, workflow=workflow)
    # Wagtail assigns its default workflow to the tree root, which would send pharmacists' pages to
    # the agency's moderators; moderation is the agency blog's alone.
    WorkflowPage.objects.filter(page__depth=1).delete()
    return workflow


def agency_tree_root(blog_index):
    """The root page of the site the agency blog belongs to (the blog itself if it has none)."""
    site = blog_index.get_site()
    return site.root_page if site is not None else blog_index


def setup_agency_editors(blog_index) -> Group:
    """Create or re-synchronise the agency editors group; idempotent."""
    group, _ = Group.objects.get_or_create(name=AGENCY_EDITORS_GROUP)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    tree_root = agency_tree_root(blog_index)
    for permission in Permission.objects.filter(
        content_type__app_label="wagtailcore", codename__in=EDITOR_PAGE_PERMISSIONS
    ):
        GroupPagePermission.objects.get_or_create(
            group=group, page=tree_root, permission=permission
        )
    collection = agency_collection()
    for permission in Permission.objects.filter(
        content_type__app_label="wagtailimages", codename__in=EDITOR_IMAGE_PERMISSIONS
    ):
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=collection, permission=permission
        )
    declared = [label.split(".", 1) for label in extensions.declared_lists("agency_permissions")]
    if declared:
        wanted = Q()
        for app_label, codename in declared:
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*Permission.objects.filter(wanted))
    ensure_blog_workflow(blog_index)
    return group
