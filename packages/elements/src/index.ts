// Importing the package registers <customer-card>.
export {
  TesseraCustomerCard,
  defineCustomerCard as define,
  type ProfileChangeDetail,
  type ProfileErrorDetail,
  type ProfileLoadDetail,
} from './customer-card/customer-card.ts';
export { configure, getDefaultClient, setDefaultClient, type ClientReadyDetail } from './client.ts';
