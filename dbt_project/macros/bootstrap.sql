{#- Deterministic Poisson bootstrap (docs/value_chain.md): each cluster (a person or a ticket) gets,
    in each replicate, a weight drawn from Poisson(1) by inverting its distribution function at a
    uniform number hashed from (seed, replicate, cluster id). Same inputs, same weights, on every
    engine and every run: no random() and no engine-specific sampling. -#}

{#- A number in [0, 1) from the first 32 bits of md5(text). -#}
{% macro hash_uniform(text_expr) -%}
{{ return(adapter.dispatch('hash_uniform', 'archipelago')(text_expr)) }}
{%- endmacro %}

{% macro default__hash_uniform(text_expr) -%}
cast(cast('0x' || substr(md5({{ text_expr }}), 1, 8) as bigint) as double) / 4294967296.0
{%- endmacro %}

{% macro postgres__hash_uniform(text_expr) -%}
cast(('x' || lpad(substr(md5({{ text_expr }}), 1, 8), 16, '0'))::bit(64)::bigint as double precision) / 4294967296.0
{%- endmacro %}

{% macro spark__hash_uniform(text_expr) -%}
cast(conv(substr(md5({{ text_expr }}), 1, 8), 16, 10) as double) / 4294967296.0
{%- endmacro %}

{#- Poisson(1) draw from a uniform u: the smallest k with P(X <= k) > u (k capped at 7; P(X >= 8) is 1e-5). -#}
{% macro poisson_one_weight(u) -%}
case
        when {{ u }} < 0.36787944 then 0
        when {{ u }} < 0.73575888 then 1
        when {{ u }} < 0.91969860 then 2
        when {{ u }} < 0.98101184 then 3
        when {{ u }} < 0.99634015 then 4
        when {{ u }} < 0.99940582 then 5
        when {{ u }} < 0.99991676 then 6
        else 7
    end
{%- endmacro %}
