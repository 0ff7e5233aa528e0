{{%AUTOESCAPE context="HTML"}}
{{>LAYOUT_TOP}}
{{! The page shown instead of the popup when JavaScript is off: the same
    content. This response is the only one that holds the token. }}
<section class="token-page" aria-labelledby="token-page-title">
  <h1 id="token-page-title">Your new bearer token</h1>
  <p>For {{PERSON_NAME}}.</p>
  <label for="token-value">Token</label>
  <input id="token-value" class="token-value" readonly spellcheck="false" autocomplete="off" value="{{TOKEN}}">
  <p>Expires: <strong id="token-expires">{{EXPIRES_AT}}</strong></p>
  <p class="warning">This is the only time the full token will be shown — it cannot be retrieved again. If you lose it, simply create a new one by clicking the button again.</p>
  {{#REPLACED}}<p class="warning" id="token-replaced">Creating a new token replaces the previous one. Any tool using the old token will stop working and will need to be updated with the new token.</p>{{/REPLACED}}
  <p>Use it in your tool as the header <code>Authorization: Bearer &lt;token&gt;</code>.</p>
  <p><a class="button primary" href="/people/edit?id={{PERSON_ID}}">Back to the record</a></p>
</section>
{{>LAYOUT_BOTTOM}}
