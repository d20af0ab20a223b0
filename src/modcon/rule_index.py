"""Generated from the ``@rule`` declarations: do not edit.

Which module holds each rule, and the Dockerfile instructions without which it
finds nothing (``reads=``; empty: any file). ``registry.load_rules`` reads it
to import only the rule modules a file needs. tests/test_rule_index.py checks
it against the rules; after adding or changing one, rewrite it with
``pytest tests/test_rule_index.py --update-fixtures``.
"""

INDEX: dict[str, tuple[tuple[str, tuple[tuple[str, frozenset[str]], ...]], ...]] = {
    'dockerfile': (
        ('mc001_dockerfile_syntax_error', (('MC001', frozenset()),)),
        ('mc002_entrypoint_code_unparsable', (('MC002', frozenset()),)),
        ('mc101_shell_form_command', (('MC101', frozenset(['CMD', 'ENTRYPOINT'])),)),
        ('mc102_shell_form_healthcheck', (('MC102', frozenset(['HEALTHCHECK'])),)),
        ('mc103_invalid_exec_form', (('MC103', frozenset()),)),
        ('mc104_package_manager_command', (('MC104', frozenset()),)),
        ('mc105_shell_c_without_exec', (('MC105', frozenset(['CMD', 'ENTRYPOINT'])),)),
        ('mc120_healthcheck_wrong_exit_status', (('MC120', frozenset(['HEALTHCHECK'])),)),
        ('mc121_run_pipeline_without_pipefail', (('MC121', frozenset(['RUN'])),)),
        ('mc130_python_output_buffered', (('MC130', frozenset()),)),
        ('mc131_log_file_not_linked', (('MC131', frozenset()),)),
        ('mc132_gunicorn_log_file', (('MC132', frozenset()),)),
        ('mc133_log_link_ineffective', (('MC133', frozenset()),)),
        ('mc140_port_not_exposed', (('MC140', frozenset()),)),
        ('mc141_ungraceful_stopsignal', (('MC141', frozenset(['STOPSIGNAL'])),)),
        ('mc142_nginx_without_sigquit', (('MC142', frozenset()),)),
        ('mc143_python_stops_on_sigint_only', (('MC143', frozenset()),)),
        ('mc144_oci_labels_missing', (('MC144', frozenset(['LABEL', 'MAINTAINER'])),)),
        ('mc150_background_processes_without_init', (('MC150', frozenset()),)),
        ('mc151_supervisor_runs_several_services', (('MC151', frozenset()),)),
        ('mc152_sleep_in_start_command', (('MC152', frozenset()),)),
        ('mc153_migrations_in_start_command', (('MC153', frozenset()),)),
        ('mc160_floating_image_tag', (('MC160', frozenset()),)),
        ('mc161_add_url_without_checksum', (('MC161', frozenset(['ADD'])),)),
        ('mc162_package_upgrade_in_build', (('MC162', frozenset(['RUN'])),)),
        ('mc163_package_version_not_pinned', (('MC163', frozenset(['RUN'])),)),
        ('mc164_remote_script_piped_to_shell', (('MC164', frozenset(['RUN'])),)),
        ('mc170_install_at_startup', (('MC170', frozenset()),)),
        ('mc171_copy_source_ignored', (('MC171', frozenset(['ADD', 'COPY'])),)),
        ('mc180_apt_lists_left_in_layer', (('MC180', frozenset(['RUN'])),)),
        ('mc181_apk_cache_left_in_layer', (('MC181', frozenset(['RUN'])),)),
        ('mc182_pip_cache_left_in_layer', (('MC182', frozenset(['RUN'])),)),
        ('mc183_node_package_cache_left_in_layer', (('MC183', frozenset(['RUN'])),)),
        ('mc184_rpm_cache_left_in_layer', (('MC184', frozenset(['RUN'])),)),
        ('mc185_context_copied_without_dockerignore', (('MC185', frozenset(['ADD', 'COPY'])),)),
        ('mc186_build_tools_in_final_image', (('MC186', frozenset()),)),
    ),
    'python': (
        ('mc201_python_sigterm_not_handled', (('MC201', frozenset()),)),
        ('mc220_python_failure_exits_zero', (('MC220', frozenset()),)),
        ('mc230_python_log_file_handler', (('MC230', frozenset()),)),
    ),
    'shell': (
        ('mc301_entrypoint_script_without_exec', (('MC301', frozenset()),)),
        ('mc320_entrypoint_script_hides_failures', (('MC320', frozenset()),)),
        ('mc350_entrypoint_script_windows_line_endings', (('MC350', frozenset()),)),
        ('mc351_entrypoint_script_without_interpreter_line', (('MC351', frozenset()),)),
        ('mc370_script_installs_at_startup', (('MC370', frozenset()),)),
    ),
    'javascript': (
        ('mc401_node_sigterm_not_handled', (('MC401', frozenset()),)),
        ('mc420_node_failure_exits_zero', (('MC420', frozenset()),)),
    ),
}
