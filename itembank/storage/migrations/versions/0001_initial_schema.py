"""initial schema: every table of the bank, and the append-only triggers

Revision ID: 0001
Revises: 
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa

from itembank.storage.immutability import drop_trigger_statements, trigger_statements


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=50), nullable=False),
    sa.Column('entity_type', sa.String(length=50), nullable=False),
    sa.Column('entity_id', sa.String(length=100), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_entity', ['entity_type', 'entity_id'], unique=False)

    op.create_table('candidates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidates')),
    sa.UniqueConstraint('code', name=op.f('uq_candidates_code'))
    )
    op.create_table('item_sets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('stimulus', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_sets')),
    sa.UniqueConstraint('code', name=op.f('uq_item_sets_code'))
    )
    op.create_table('rule_sets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_sets')),
    sa.UniqueConstraint('code', 'version', name=op.f('uq_rule_sets_code_version'))
    )
    op.create_table('test_specifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_test_specifications')),
    sa.UniqueConstraint('code', name=op.f('uq_test_specifications_code'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('item_writer', 'committee', 'secretary', 'admin', name='role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('blueprints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('specification_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('total_items', sa.Integer(), nullable=False),
    sa.Column('total_points', sa.String(length=32), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'in_review', 'approved', 'retired', name='blueprint_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('constraints', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['specification_id'], ['test_specifications.id'], name=op.f('fk_blueprints_specification_id_test_specifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blueprints')),
    sa.UniqueConstraint('code', 'version', name=op.f('uq_blueprints_code_version'))
    )
    op.create_table('items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('specification_id', sa.Integer(), nullable=True),
    sa.Column('item_set_id', sa.Integer(), nullable=True),
    sa.Column('current_number', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_set_id'], ['item_sets.id'], name=op.f('fk_items_item_set_id_item_sets')),
    sa.ForeignKeyConstraint(['specification_id'], ['test_specifications.id'], name=op.f('fk_items_specification_id_test_specifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_items')),
    sa.UniqueConstraint('code', name=op.f('uq_items_code'))
    )
    op.create_table('tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('specification_id', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.Enum('objective', 'topic', 'level', name='dimension', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['specification_id'], ['test_specifications.id'], name=op.f('fk_tags_specification_id_test_specifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tags')),
    sa.UniqueConstraint('specification_id', 'dimension', 'code', name=op.f('uq_tags_specification_id_dimension_code'))
    )
    op.create_table('blueprint_cells',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('blueprint_id', sa.Integer(), nullable=False),
    sa.Column('objective_id', sa.Integer(), nullable=False),
    sa.Column('level_id', sa.Integer(), nullable=False),
    sa.Column('n_items', sa.Integer(), nullable=False),
    sa.CheckConstraint('n_items >= 0', name=op.f('ck_blueprint_cells_n_items_nonnegative')),
    sa.ForeignKeyConstraint(['blueprint_id'], ['blueprints.id'], name=op.f('fk_blueprint_cells_blueprint_id_blueprints')),
    sa.ForeignKeyConstraint(['level_id'], ['tags.id'], name=op.f('fk_blueprint_cells_level_id_tags')),
    sa.ForeignKeyConstraint(['objective_id'], ['tags.id'], name=op.f('fk_blueprint_cells_objective_id_tags')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blueprint_cells')),
    sa.UniqueConstraint('blueprint_id', 'objective_id', 'level_id', name=op.f('uq_blueprint_cells_blueprint_id_objective_id_level_id'))
    )
    op.create_table('enemy_pairs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_a_id', sa.Integer(), nullable=False),
    sa.Column('item_b_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('item_a_id < item_b_id', name=op.f('ck_enemy_pairs_ordered')),
    sa.ForeignKeyConstraint(['item_a_id'], ['items.id'], name=op.f('fk_enemy_pairs_item_a_id_items')),
    sa.ForeignKeyConstraint(['item_b_id'], ['items.id'], name=op.f('fk_enemy_pairs_item_b_id_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enemy_pairs')),
    sa.UniqueConstraint('item_a_id', 'item_b_id', name=op.f('uq_enemy_pairs_item_a_id_item_b_id'))
    )
    op.create_table('forms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('specification_id', sa.Integer(), nullable=True),
    sa.Column('blueprint_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('frozen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['blueprint_id'], ['blueprints.id'], name=op.f('fk_forms_blueprint_id_blueprints')),
    sa.ForeignKeyConstraint(['specification_id'], ['test_specifications.id'], name=op.f('fk_forms_specification_id_test_specifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forms')),
    sa.UniqueConstraint('code', name=op.f('uq_forms_code'))
    )
    op.create_table('item_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('stem', sa.Text(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('key', sa.JSON(), nullable=False),
    sa.Column('item_type', sa.Enum('mc', 'mr', 'open', 'practical', name='item_type', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('max_score', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('variant', sa.Enum('standard', 'read_aloud', name='variant', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('author', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('change_note', sa.Text(), nullable=False),
    sa.CheckConstraint('number >= 1', name=op.f('ck_item_versions_number_positive')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_item_versions_item_id_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_versions')),
    sa.UniqueConstraint('item_id', 'number', name=op.f('uq_item_versions_item_id_number'))
    )
    op.create_table('administrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('rule_set_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['form_id'], ['forms.id'], name=op.f('fk_administrations_form_id_forms')),
    sa.ForeignKeyConstraint(['rule_set_id'], ['rule_sets.id'], name=op.f('fk_administrations_rule_set_id_rule_sets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_administrations')),
    sa.UniqueConstraint('code', name=op.f('uq_administrations_code'))
    )
    op.create_table('form_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('item_version_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.JSON(), nullable=False),
    sa.Column('max_score', sa.String(length=32), nullable=False),
    sa.Column('weight', sa.String(length=32), nullable=False),
    sa.Column('part', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['form_id'], ['forms.id'], name=op.f('fk_form_items_form_id_forms')),
    sa.ForeignKeyConstraint(['item_version_id'], ['item_versions.id'], name=op.f('fk_form_items_item_version_id_item_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_form_items')),
    sa.UniqueConstraint('form_id', 'item_version_id', name=op.f('uq_form_items_form_id_item_version_id')),
    sa.UniqueConstraint('form_id', 'position', name=op.f('uq_form_items_form_id_position'))
    )
    with op.batch_alter_table('form_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_items_item_version_id'), ['item_version_id'], unique=False)

    op.create_table('item_version_tags',
    sa.Column('item_version_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_version_id'], ['item_versions.id'], name=op.f('fk_item_version_tags_item_version_id_item_versions')),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_item_version_tags_tag_id_tags')),
    sa.PrimaryKeyConstraint('item_version_id', 'tag_id', name=op.f('pk_item_version_tags'))
    )
    op.create_table('review_states',
    sa.Column('item_version_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'in_review', 'approved', 'retired', name='review_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_version_id'], ['item_versions.id'], name=op.f('fk_review_states_item_version_id_item_versions')),
    sa.PrimaryKeyConstraint('item_version_id', name=op.f('pk_review_states'))
    )
    op.create_table('status_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_version_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.Enum('draft', 'in_review', 'approved', 'retired', name='from_status', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('to_status', sa.Enum('draft', 'in_review', 'approved', 'retired', name='to_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['item_version_id'], ['item_versions.id'], name=op.f('fk_status_events_item_version_id_item_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_events'))
    )
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_events_item_version_id'), ['item_version_id'], unique=False)

    op.create_table('cut_score_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('administration_id', sa.Integer(), nullable=False),
    sa.Column('part', sa.String(length=50), nullable=False),
    sa.Column('rule', sa.JSON(), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['administration_id'], ['administrations.id'], name=op.f('fk_cut_score_rules_administration_id_administrations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cut_score_rules'))
    )
    with op.batch_alter_table('cut_score_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cut_score_rules_administration_id'), ['administration_id'], unique=False)

    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('administration_id', sa.Integer(), nullable=False),
    sa.Column('form_item_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdraws_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['administration_id'], ['administrations.id'], name=op.f('fk_decisions_administration_id_administrations')),
    sa.ForeignKeyConstraint(['form_item_id'], ['form_items.id'], name=op.f('fk_decisions_form_item_id_form_items')),
    sa.ForeignKeyConstraint(['withdraws_id'], ['decisions.id'], name=op.f('fk_decisions_withdraws_id_decisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_administration_id'), ['administration_id'], unique=False)

    op.create_table('registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('administration_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['administration_id'], ['administrations.id'], name=op.f('fk_registrations_administration_id_administrations')),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_registrations_candidate_id_candidates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registrations')),
    sa.UniqueConstraint('administration_id', 'candidate_id', name=op.f('uq_registrations_administration_id_candidate_id'))
    )
    op.create_table('releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('administration_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('rule_set_id', sa.Integer(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['administration_id'], ['administrations.id'], name=op.f('fk_releases_administration_id_administrations')),
    sa.ForeignKeyConstraint(['rule_set_id'], ['rule_sets.id'], name=op.f('fk_releases_rule_set_id_rule_sets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_releases')),
    sa.UniqueConstraint('administration_id', 'revision', name=op.f('uq_releases_administration_id_revision'))
    )
    op.create_table('responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('form_item_id', sa.Integer(), nullable=False),
    sa.Column('grader', sa.Integer(), nullable=False),
    sa.Column('choice', sa.String(length=100), nullable=True),
    sa.Column('points', sa.String(length=32), nullable=True),
    sa.CheckConstraint('grader >= 1', name=op.f('ck_responses_grader_positive')),
    sa.ForeignKeyConstraint(['form_item_id'], ['form_items.id'], name=op.f('fk_responses_form_item_id_form_items')),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_responses_registration_id_registrations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_responses')),
    sa.UniqueConstraint('registration_id', 'form_item_id', 'grader', name=op.f('uq_responses_registration_id_form_item_id_grader'))
    )
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_responses_registration_id'), ['registration_id'], unique=False)

    op.create_table('result_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidates.id'], name=op.f('fk_result_revisions_candidate_id_candidates')),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], name=op.f('fk_result_revisions_release_id_releases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_revisions')),
    sa.UniqueConstraint('release_id', 'candidate_id', 'revision', name=op.f('uq_result_revisions_release_id_candidate_id_revision'))
    )

    for statement in trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)

    op.drop_table('result_revisions')
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_responses_registration_id'))

    op.drop_table('responses')
    op.drop_table('releases')
    op.drop_table('registrations')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_administration_id'))

    op.drop_table('decisions')
    with op.batch_alter_table('cut_score_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cut_score_rules_administration_id'))

    op.drop_table('cut_score_rules')
    with op.batch_alter_table('status_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_events_item_version_id'))

    op.drop_table('status_events')
    op.drop_table('review_states')
    op.drop_table('item_version_tags')
    with op.batch_alter_table('form_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_items_item_version_id'))

    op.drop_table('form_items')
    op.drop_table('administrations')
    op.drop_table('item_versions')
    op.drop_table('forms')
    op.drop_table('enemy_pairs')
    op.drop_table('blueprint_cells')
    op.drop_table('tags')
    op.drop_table('items')
    op.drop_table('blueprints')
    op.drop_table('users')
    op.drop_table('test_specifications')
    op.drop_table('rule_sets')
    op.drop_table('item_sets')
    op.drop_table('candidates')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_entity')

    op.drop_table('audit_events')

